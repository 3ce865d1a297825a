package io.etcdbackup.agent.it;

import io.etcdbackup.snapshot.testing.EtcdClusterExtension;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;

import static io.etcdbackup.stores.testing.Await.await;

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
        // The bucket exists before the agent uses it, as an operator would have created it.
        java.nio.file.Files.createDirectories(dir.resolve("s3").resolve("etcd-backups"));
        Properties properties = new Properties();
        properties.setProperty("jclouds.filesystem.basedir", dir.resolve("s3").toString());
        S3Proxy proxy = S3Proxy.builder().blobStore(BlobStores.create("filesystem", properties))
                .endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, "access", "secret").build();
        proxy.start();
        try {
            await("S3Proxy started", Duration.ofSeconds(60), proxy::getState, "STARTED"::equals);
            String store = "s3://etcd-backups/clusters/one?endpoint=http://127.0.0.1:" + proxy.getPort()
                    + "&region=us-east-1&path-style=true";
            CliRoundTrip.run(etcd, store, Map.of("AWS_ACCESS_KEY_ID", "access", "AWS_SECRET_ACCESS_KEY", "secret"), dir);

            // The same round trip with the objects encrypted: the bucket's files hold no known value in the clear.
            etcd.client().getKVClient().put(Workload.bytes(EncryptionIT.SECRET_KEY), Workload.bytes(EncryptionIT.SECRET_VALUE)).get();
            Path keys = dir.resolve("keys.json");
            AgentProcess.Result generated = AgentProcess.run(etcd.binaries().etcd().getParent(), "key", "generate",
                    "--encryption-key-file", keys.toString());
            org.assertj.core.api.Assertions.assertThat(generated.exitCode()).as(generated.stderr()).isZero();
            CliRoundTrip.run(etcd, store.replace("clusters/one", "clusters/encrypted"), java.util.List.of("--encryption-key-file",
                    keys.toString()), Map.of("AWS_ACCESS_KEY_ID", "access", "AWS_SECRET_ACCESS_KEY", "secret"),
                    java.nio.file.Files.createDirectories(dir.resolve("encrypted")));
            EncryptionIT.assertNoPlaintext(dir.resolve("s3").resolve("etcd-backups").resolve("clusters").resolve("encrypted"));
        } finally {
            proxy.stop();
        }
    }
}
