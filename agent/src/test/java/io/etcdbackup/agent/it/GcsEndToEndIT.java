package io.etcdbackup.agent.it;

import io.etcdbackup.plugins.gcs.GcsEmulator;
import io.etcdbackup.snapshot.testing.EtcdClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

/**
 * Backup and restore through the CLI with a gs:// store on the firebase-tools Cloud Storage
 * emulator (npm, installed by scripts/firebase-storage.sh). The agent opens the store the
 * production way: {@code endpoint=} and {@code GOOGLE_APPLICATION_CREDENTIALS}. The objects stay
 * below one upload chunk, the largest write the emulator takes (see docs/stores/gcs.md).
 */
class GcsEndToEndIT {

    @RegisterExtension
    final EtcdClusterExtension etcd = EtcdClusterExtension.members(1);

    @TempDir
    Path dir;

    @Test
    void fullAndDeltaSnapshotsListAndRestoreWorkWithAGcsStore() throws Exception {
        try (GcsEmulator emulator = GcsEmulator.start()) {
            CliRoundTrip.run(etcd, "gs://etcd-backups/clusters/one?endpoint=" + emulator.endpoint(),
                    Map.of("GOOGLE_APPLICATION_CREDENTIALS", emulator.credentialsFile(dir).toString()), dir);
        }
    }
}
