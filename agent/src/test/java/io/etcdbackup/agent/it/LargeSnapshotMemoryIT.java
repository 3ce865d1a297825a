package io.etcdbackup.agent.it;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.snapshot.catalog.FullSnapshotRef;
import io.etcdbackup.snapshot.etcd.MemberStatus;
import io.etcdbackup.snapshot.format.SnapshotObjectReader;
import io.etcdbackup.snapshot.testing.EtcdClusterExtension;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.local.LocalStoreProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/** A full snapshot of a 256 MB database with the agent's heap capped at 128 MB. */
class LargeSnapshotMemoryIT {

    @RegisterExtension
    final EtcdClusterExtension etcd = EtcdClusterExtension.members(1, "--quota-backend-bytes=4294967296");

    @TempDir
    Path dir;

    @Test
    void aFullSnapshotOfA256MbDatabaseSucceedsAtXmx128m() throws Exception {
        Client client = etcd.client();
        Random random = new Random(9);
        List<CompletableFuture<?>> inFlight = new ArrayList<>();
        int key = 0;
        while (MemberStatus.read(client, etcd.clientUrls().get(0)).dbSize() < 256L * 1024 * 1024) {
            for (int i = 0; i < 200; i++, key++) {
                byte[] value = new byte[64 * 1024];
                random.nextBytes(value);
                inFlight.add(client.getKVClient().put(ByteSequence.from(("/big/" + key).getBytes()), ByteSequence.from(value)));
                if (inFlight.size() >= 16) {
                    for (CompletableFuture<?> f : inFlight) {
                        f.get();
                    }
                    inFlight.clear();
                }
            }
        }
        for (CompletableFuture<?> f : inFlight) {
            f.get();
        }
        long dbSize = MemberStatus.read(client, etcd.clientUrls().get(0)).dbSize();
        assertThat(dbSize).isGreaterThanOrEqualTo(256L * 1024 * 1024);

        Path storeDir = dir.resolve("store");
        AgentProcess.Result result = AgentProcess.run(List.of("-Xmx128m"), etcd.binaries().etcd().getParent(),
                "snapshot", "full", "--endpoints", etcd.endpoints(), "--store", "file://" + storeDir);
        assertThat(result.exitCode()).as(result.stderr()).isZero();

        try (ObjectStore store = LocalStoreProvider.at(storeDir)) {
            FullSnapshotRef full = new Catalog(store).latestRestorable().orElseThrow().latestFull().orElseThrow();
            try (SnapshotObjectReader reader = SnapshotObjectReader.open(full.key(), store.open(full.key()))) {
                long contentBytes = reader.content().transferTo(OutputStream.nullOutputStream());
                reader.verify();
                assertThat(contentBytes).isGreaterThanOrEqualTo(dbSize);
            }
        }
    }
}
