package io.etcdbackup.restore;

import io.etcd.jetcd.Client;
import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.snapshot.catalog.CatalogWriter;
import io.etcdbackup.snapshot.catalog.FullSnapshotRef;
import io.etcdbackup.snapshot.catalog.Generation;
import io.etcdbackup.snapshot.capture.DeltaCapture;
import io.etcdbackup.snapshot.capture.FullSnapshotter;
import io.etcdbackup.etcdprocess.EtcdProcess;
import io.etcdbackup.snapshot.etcd.MemberStatus;
import io.etcdbackup.snapshot.format.Codec;
import io.etcdbackup.snapshot.testing.EtcdClusterExtension;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.local.LocalStoreProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

import static io.etcdbackup.restore.SourceKeyspace.bytes;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A full snapshot's recorded revision is only a lower bound: the database may already hold whole
 * delta segments after it (the reference's issue #1044). Replay skips them and still checks.
 */
class RestoreOverlapIT {

    @RegisterExtension
    final EtcdClusterExtension etcd = EtcdClusterExtension.members(1);

    @TempDir
    Path dir;

    private long write(Client client, String prefix, int n) throws Exception {
        long revision = 0;
        for (int i = 0; i < n; i++) {
            revision = client.getKVClient().put(bytes(prefix + i), bytes("v" + i)).get().getHeader().getRevision();
        }
        return revision;
    }

    @Test
    void aBaseSnapshotAheadOfWholeSegmentsRestoresToTheChainsLastRevision() throws Exception {
        Client client = etcd.client();
        long start = write(client, "/before/", 3) + 1;
        String generation = "20261122T000000000Z-0001";
        try (ObjectStore store = LocalStoreProvider.at(dir.resolve("store"))) {
            Catalog catalog = new Catalog(store, new CatalogWriter(store, "test", Clock.systemUTC()));
            MemberStatus status = MemberStatus.read(client, etcd.clientUrls().get(0));
            DeltaCapture.Settings settings = new DeltaCapture.Settings(1 << 20, 8 << 20, Codec.ZSTD, 1);
            FullSnapshotRef full;
            long last;
            try (DeltaCapture capture = new DeltaCapture(etcd.clients(), client, catalog, generation,
                    new DeltaCapture.Source(status.clusterId(), status.memberId(), status.version()), settings, Clock.systemUTC(),
                    new DeltaCapture.Listener() { })) {
                capture.start(start);
                for (String round : List.of("/a/", "/b/")) {
                    long revision = write(client, round, 5);
                    assertThat(capture.awaitReceived(revision, Duration.ofSeconds(60))).isTrue();
                    capture.flush();
                }
                full = new FullSnapshotter(etcd.clients(), client, catalog, FullSnapshotter.Settings.defaults(), Clock.systemUTC())
                        .take(generation);
                last = write(client, "/c/", 5);
                assertThat(capture.awaitReceived(last, Duration.ofSeconds(60))).isTrue();
            }
            Generation indexed = catalog.generations().get(0);
            assertThat(indexed.deltas()).hasSize(3);

            // The base claims only the revision before the first segment, as a snapshot started early would.
            FullSnapshotRef claimedEarly = new FullSnapshotRef(full.key(), generation, start - 1, full.createdAt(), full.size());
            RestorePlan plan = RestorePlanner.planFrom(new Generation(generation, List.of(claimedEarly), indexed.deltas()));
            assertThat(plan.deltas()).hasSize(3);

            int[] ports = EtcdProcess.freePorts(2);
            int peerPort = ports[1];
            String peer = EtcdProcess.peerUrl(peerPort);
            Path dataDir = dir.resolve("restored.etcd");
            Restorer.Result result = new Restorer(store, new Restorer.Settings(etcd.binaries(), null, 3600, 2))
                    .restore(plan, new RestoreTarget(dataDir, "restored", "restored=" + peer, peer, "t", false));
            assertThat(result.revision()).isEqualTo(last);

            try (EtcdProcess restored = EtcdProcess.start(new EtcdProcess.Spec(etcd.binaries(), "restored", dataDir,
                    ports[0], peerPort, "restored=" + peer, "new", "t", List.of(), dir.resolve("restored.log")))
                    .awaitHealthy(Duration.ofSeconds(60));
                 Client restoredClient = Client.builder().endpoints(restored.clientUrl().toString()).build()) {
                assertThat(SourceKeyspace.read(restoredClient, 0)).isEqualTo(SourceKeyspace.read(client, last));
                assertThat(restoredClient.getKVClient().get(bytes("/c/0")).get().getHeader().getRevision()).isEqualTo(last);
            }
        }
    }
}
