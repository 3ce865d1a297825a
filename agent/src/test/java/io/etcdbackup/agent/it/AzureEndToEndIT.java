package io.etcdbackup.agent.it;

import io.etcdbackup.plugins.azure.Azurite;
import io.etcdbackup.snapshot.testing.EtcdClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

/** Backup and restore through the CLI with an azblob:// store on Azurite. */
class AzureEndToEndIT {

    @RegisterExtension
    final EtcdClusterExtension etcd = EtcdClusterExtension.members(1);

    @TempDir
    Path dir;

    @Test
    void fullAndDeltaSnapshotsListAndRestoreWorkWithAnAzureStore() throws Exception {
        try (Azurite azurite = Azurite.start()) {
            azurite.createContainer("etcd-backups");
            CliRoundTrip.run(etcd, "azblob://etcd-backups/clusters/one",
                    Map.of("AZURE_STORAGE_CONNECTION_STRING", azurite.connectionString()), dir);
        }
    }
}
