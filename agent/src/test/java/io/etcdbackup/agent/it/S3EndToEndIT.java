package io.etcdbackup.agent.it;

import io.etcdbackup.snapshot.testing.EtcdClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;


/**
 * Backup and restore through the CLI with an s3:// store on S3Proxy, a real S3 server on loopback:
 * in the clear, then encrypted with a key set.
 */
class S3EndToEndIT {

    @RegisterExtension
    final EtcdClusterExtension etcd = EtcdClusterExtension.members(1);

    @TempDir
    Path dir;

    @Test
    void fullAndDeltaSnapshotsListAndRestoreWorkWithAnS3Store() throws Exception {
        try (S3ProxyServer proxy = S3ProxyServer.start(dir.resolve("s3"), "etcd-backups", 0)) {
            String store = proxy.storeUrl("etcd-backups/clusters/one");
            CliRoundTrip.run(etcd, store, S3ProxyServer.CREDENTIALS, dir);

            // The same round trip with the objects encrypted: the bucket's files hold no known value in the clear.
            etcd.client().getKVClient().put(Workload.bytes(EncryptionIT.SECRET_KEY), Workload.bytes(EncryptionIT.SECRET_VALUE)).get();
            Path keys = dir.resolve("keys.json");
            AgentProcess.Result generated = AgentProcess.run(etcd.binaries().etcd().getParent(), "key", "generate",
                    "--encryption-key-file", keys.toString());
            org.assertj.core.api.Assertions.assertThat(generated.exitCode()).as(generated.stderr()).isZero();
            CliRoundTrip.run(etcd, store.replace("clusters/one", "clusters/encrypted"), java.util.List.of("--encryption-key-file",
                    keys.toString()), S3ProxyServer.CREDENTIALS, java.nio.file.Files.createDirectories(dir.resolve("encrypted")));
            EncryptionIT.assertNoPlaintext(dir.resolve("s3").resolve("etcd-backups").resolve("clusters").resolve("encrypted"));
        }
    }
}
