package io.etcdbackup.agent.it;

import io.etcdbackup.plugins.azure.Azurite;
import io.etcdbackup.snapshot.testing.EtcdClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code copy} through the real jar between real servers: a local store to S3 (S3Proxy), then that
 * S3 store to Azure (Azurite), across encryption keys; a restore from the last one is exact.
 */
class CopyIT {

    @RegisterExtension
    final EtcdClusterExtension etcd = EtcdClusterExtension.members(1);

    @TempDir
    Path dir;

    @Test
    void backupsCopiedFromLocalToS3AndFromS3ToAzureRestoreExactly() throws Exception {
        Path bin = etcd.binaries().etcd().getParent();
        String local = "file://" + dir.resolve("local");
        Path localKeys = dir.resolve("local-keys.json");
        Path azureKeys = dir.resolve("azure-keys.json");
        ok(AgentProcess.run(bin, "key", "generate", "--encryption-key-file", localKeys.toString()));
        ok(AgentProcess.run(bin, "key", "generate", "--encryption-key-file", azureKeys.toString()));
        new Workload(etcd.client(), 61).run(150, false);
        ok(AgentProcess.run(bin, "snapshot", "full", "--endpoints", etcd.endpoints(), "--store", local, "--encryption-key-file",
                localKeys.toString()));
        new Workload(etcd.client(), 62).run(150, false);
        AgentProcess.Result delta = ok(AgentProcess.run(bin, "snapshot", "delta", "--endpoints", etcd.endpoints(), "--store", local,
                "--encryption-key-file", localKeys.toString()));
        Matcher up = Pattern.compile("up to revision (\\d+)").matcher(delta.stdout());
        assertThat(up.find()).as(delta.stdout()).isTrue();
        long captured = Long.parseLong(up.group(1));

        try (S3ProxyServer proxy = S3ProxyServer.start(dir.resolve("s3"), "etcd-backups", 0); Azurite azurite = Azurite.start()) {
            azurite.createContainer("etcd-backups");
            String s3 = proxy.storeUrl("etcd-backups/copied");
            String azure = "azblob://etcd-backups/copied";
            Map<String, String> env = new HashMap<>(S3ProxyServer.CREDENTIALS);

            // Local (encrypted) to S3 (in the clear), twice: the second run finds everything there.
            AgentProcess.Result toS3 = ok(AgentProcess.run(List.of(), env, bin, "copy", "--source-store", local,
                    "--source-encryption-key-file", localKeys.toString(), "--store", s3));
            AgentProcess.Result again = ok(AgentProcess.run(List.of(), env, bin, "copy", "--source-store", local,
                    "--source-encryption-key-file", localKeys.toString(), "--store", s3));
            assertThat(toS3.stdout()).contains("copied objects=2 already_there=0");
            assertThat(again.stdout()).contains("copied objects=0 already_there=0");

            // S3 to Azure, encrypted with another key set; the S3 credentials given as the source's.
            Map<String, String> azureEnv = Map.of("SOURCE_AWS_ACCESS_KEY_ID", "access", "SOURCE_AWS_SECRET_ACCESS_KEY", "secret",
                    "AZURE_STORAGE_CONNECTION_STRING", azurite.connectionString());
            ok(AgentProcess.run(List.of(), azureEnv, bin, "copy", "--source-store", s3, "--store", azure, "--encryption-key-file",
                    azureKeys.toString()));
            AgentProcess.Result verify = ok(AgentProcess.run(List.of(), azureEnv, bin, "catalog", "verify", "--store", azure,
                    "--encryption-key-file", azureKeys.toString()));
            assertThat(verify.stdout()).contains("2 checked", "0 failed");

            CliRoundTrip.restoreLatestAndCompare(etcd, azure, List.of("--encryption-key-file", azureKeys.toString()), azureEnv, dir, captured);
        }
    }

    private static AgentProcess.Result ok(AgentProcess.Result result) {
        assertThat(result.exitCode()).as(result.stdout() + result.stderr()).isZero();
        return result;
    }
}
