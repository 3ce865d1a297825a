package io.etcdbackup.agent.it;

import io.etcdbackup.plugins.oss.FakeOssServer;
import io.etcdbackup.snapshot.testing.EtcdClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

/**
 * Backup and restore through the CLI with an oss:// store on the OSS plugin's protocol-level fake
 * OSS server (no OSS emulator exists; the plugin's own tests use the same fake), signed with the
 * access key from the agent's environment.
 */
class OssEndToEndIT {

    @RegisterExtension
    final EtcdClusterExtension etcd = EtcdClusterExtension.members(1);

    @TempDir
    Path dir;

    @Test
    void fullAndDeltaSnapshotsListAndRestoreWorkWithAnOssStore() throws Exception {
        try (FakeOssServer oss = new FakeOssServer("etcd-backups", "e2e-id", "e2e-secret")) {
            CliRoundTrip.run(etcd, "oss://etcd-backups/clusters/one?path-style=true&endpoint=" + oss.endpoint(),
                    Map.of("ALIBABA_CLOUD_ACCESS_KEY_ID", "e2e-id", "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "e2e-secret"), dir);
        }
    }
}
