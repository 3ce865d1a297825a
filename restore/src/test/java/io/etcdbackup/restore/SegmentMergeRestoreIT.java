package io.etcdbackup.restore;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.api.Event;
import io.etcdbackup.snapshot.catalog.BackupLayout;
import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.snapshot.catalog.CatalogState;
import io.etcdbackup.snapshot.catalog.CatalogWriter;
import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
import io.etcdbackup.snapshot.catalog.FullSnapshotRef;
import io.etcdbackup.snapshot.catalog.Generation;
import io.etcdbackup.snapshot.catalog.GenerationInfo;
import io.etcdbackup.snapshot.capture.DeltaCapture;
import io.etcdbackup.snapshot.capture.FullSnapshotter;
import io.etcdbackup.etcdprocess.DirectoryTrees;
import io.etcdbackup.etcdprocess.EtcdProcess;
import io.etcdbackup.snapshot.etcd.MemberStatus;
import io.etcdbackup.snapshot.format.Codec;
import io.etcdbackup.snapshot.format.DeltaEventCodec;
import io.etcdbackup.snapshot.format.ObjectHeader;
import io.etcdbackup.snapshot.merge.MergePolicy;
import io.etcdbackup.snapshot.merge.MergeRunner;
import io.etcdbackup.snapshot.retention.RetentionPolicies;
import io.etcdbackup.snapshot.retention.RetentionRunner;
import io.etcdbackup.snapshot.testing.DeltaSegments;
import io.etcdbackup.snapshot.testing.EtcdClusterExtension;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.local.LocalStoreProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;

import static io.etcdbackup.restore.SourceKeyspace.bytes;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 8's acceptance for segment merging: ten thousand one-revision delta segments of real
 * etcd history (captured once, then cut into one segment per revision, as a day of 1-second
 * segments would look) are merged over several levels into a handful; a sample of revisions,
 * random ones and those around the full snapshots, is then restored exactly from the merged
 * chain; and after retention's grace period the originals are gone from the store.
 */
class SegmentMergeRestoreIT {

    private static final int SEGMENTS = 10_000;
    private static final String GENERATION = "20261122T000000000Z-0001";

    @RegisterExtension
    final EtcdClusterExtension etcd = EtcdClusterExtension.members(1);

    @TempDir
    Path dir;

    private static long revision(Client client) throws Exception {
        return client.getKVClient().get(bytes("/")).get().getHeader().getRevision();
    }

    /**
     * Writes until etcd's revision reaches {@code until}: overwrites of a few hundred keys, keys on
     * long leases, three-key transactions (one revision, three events) and deletes, 32 at a time.
     */
    private static void write(Client client, long until, long[] leases, Random random) throws Exception {
        Semaphore inFlight = new Semaphore(32);
        List<CompletableFuture<?>> pending = new ArrayList<>();
        int i = 0;
        while (revision(client) < until) {
            for (int n = 0; n < 64; n++, i++) {
                inFlight.acquire();
                int key = random.nextInt(400);
                CompletableFuture<?> op;
                if (i % 10 == 0) {
                    op = client.getKVClient().txn().Then(Op.put(bytes("/txn/" + key + "/a"), bytes("a" + i), PutOption.DEFAULT),
                            Op.put(bytes("/txn/" + key + "/b"), bytes("b" + i), PutOption.DEFAULT),
                            Op.delete(bytes("/k/" + random.nextInt(400)), DeleteOption.DEFAULT)).commit();
                } else if (i % 7 == 0) {
                    op = client.getKVClient().delete(bytes("/k/" + key));
                } else if (i % 13 == 0) {
                    op = client.getKVClient().put(bytes("/leased/" + key), bytes("l" + i),
                            PutOption.builder().withLeaseId(leases[i % leases.length]).build());
                } else {
                    op = client.getKVClient().put(bytes("/k/" + key), bytes("v" + i));
                }
                pending.add(op.whenComplete((r, e) -> inFlight.release()));
            }
            CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).get();
            pending.clear();
        }
    }

    @Test
    void tenThousandMergedSegmentsKeepEveryRevisionRestorable() throws Exception {
        Client client = etcd.client();
        Random random = new Random(8);
        long[] leases = new long[3];
        for (int i = 0; i < leases.length; i++) {
            leases[i] = client.getLeaseClient().grant(3600).get().getID();
        }
        write(client, 50, leases, random);

        Path storeDir = dir.resolve("store");
        List<FullSnapshotRef> fulls = new ArrayList<>();
        long start;
        long last;
        try (ObjectStore store = LocalStoreProvider.at(storeDir)) {
            Catalog catalog = new Catalog(store, new CatalogWriter(store, "capture", Clock.systemUTC()));
            MemberStatus status = MemberStatus.read(client, etcd.clientUrls().get(0));
            catalog.recordGeneration(new GenerationInfo(GENERATION, "test", Instant.now(), status.clusterId(), status.revision(), null));
            FullSnapshotter snapshotter = new FullSnapshotter(etcd.clients(), client, catalog, FullSnapshotter.Settings.defaults(),
                    Clock.systemUTC());
            fulls.add(snapshotter.take(GENERATION));
            start = fulls.get(0).revision() + 1;
            // Everything is captured into one segment (flushed on close), cut into one segment per revision below.
            DeltaCapture.Settings settings = new DeltaCapture.Settings(256L << 20, 256L << 20, Codec.ZSTD, 1);
            try (DeltaCapture capture = new DeltaCapture(etcd.clients(), client, catalog, GENERATION,
                    new DeltaCapture.Source(status.clusterId(), status.memberId(), status.version()), settings, Clock.systemUTC(),
                    new DeltaCapture.Listener() { })) {
                capture.start(start);
                // Two more full snapshots inside the history, so merged runs cross them.
                write(client, start + SEGMENTS / 3, leases, random);
                fulls.add(snapshotter.take(GENERATION));
                write(client, start + 2 * SEGMENTS / 3, leases, random);
                fulls.add(snapshotter.take(GENERATION));
                write(client, start + SEGMENTS - 1, leases, random);
                last = revision(client);
                assertThat(capture.awaitReceived(last, Duration.ofMinutes(2))).isTrue();
            }
            cutIntoOneSegmentPerRevision(store, catalog);
        }
        assertThat(last - start + 1).isGreaterThanOrEqualTo(SEGMENTS);

        Instant later = Instant.now().plus(Duration.ofDays(1));
        MergeRunner.Result merged;
        try (ObjectStore store = LocalStoreProvider.at(storeDir)) {
            assertThat(new Catalog(store).generations().get(0).deltas()).hasSize((int) (last - start + 1));
            MergeRunner runner = new MergeRunner(new Catalog(store, new CatalogWriter(store, "merge", Clock.fixed(later, ZoneOffset.UTC))),
                    MergePolicy.defaults(), Codec.ZSTD, Codec.DEFAULT_ZSTD_LEVEL, Clock.fixed(later, ZoneOffset.UTC));
            merged = runner.run();
        }

        // Levels 1 to 4: ten thousand segments become one of level 4 and a remainder of fewer than ten per level.
        assertThat(merged.segmentsBefore()).isEqualTo((int) (last - start + 1));
        assertThat(merged.segmentsAfter()).isLessThan(40);
        assertThat(merged.runsSkipped()).isZero();
        try (ObjectStore store = LocalStoreProvider.at(storeDir)) {
            Generation generation = new Catalog(store).generations().get(0);
            assertThat(generation.deltas()).hasSize(merged.segmentsAfter());
            assertThat(generation.deltas().get(0)).extracting(DeltaSegmentRef::firstRevision, DeltaSegmentRef::level)
                    .containsExactly(start, 4);
            for (int i = 1; i < generation.deltas().size(); i++) {
                assertThat(generation.deltas().get(i).firstRevision()).isEqualTo(generation.deltas().get(i - 1).lastRevision() + 1);
            }
            assertThat(generation.lastRevision()).isEqualTo(last);
        }

        // A sample of revisions, restored exactly from the merged chain.
        TreeSet<Long> targets = new TreeSet<>(List.of(start, last));
        for (FullSnapshotRef full : fulls.subList(1, fulls.size())) {
            targets.add(full.revision() + 1);
        }
        while (targets.size() < 10) {
            targets.add(start + (long) (random.nextDouble() * (last - start + 1)));
        }
        try (ObjectStore store = LocalStoreProvider.at(storeDir)) {
            RestorePlanner planner = new RestorePlanner(new Catalog(store));
            Restorer restorer = new Restorer(store, new Restorer.Settings(etcd.binaries(), dir.resolve("scratch"), 3600, 2));
            for (long target : targets) {
                int[] ports = EtcdProcess.freePorts(2);
                int peerPort = ports[1];
                String peer = EtcdProcess.peerUrl(peerPort);
                Path dataDir = dir.resolve("at-" + target);
                Restorer.Result result = restorer.restore(planner, new RestorePoint.AtRevision(target),
                        new RestoreTarget(dataDir, "restored", "restored=" + peer, peer, "restored-cluster", false));
                assertThat(result.revision()).isEqualTo(target);
                try (EtcdProcess restored = EtcdProcess.start(new EtcdProcess.Spec(etcd.binaries(), "restored", dataDir,
                        ports[0], peerPort, "restored=" + peer, "new", "restored-cluster", List.of(),
                        dir.resolve("restored-" + target + ".log"))).awaitHealthy(Duration.ofSeconds(60));
                     Client restoredClient = Client.builder().endpoints(restored.clientUrl().toString()).build()) {
                    assertThat(revision(restoredClient)).isEqualTo(target);
                    assertThat(SourceKeyspace.read(restoredClient, 0)).as("keyspace at revision %d", target)
                            .isEqualTo(SourceKeyspace.read(client, target));
                }
                DirectoryTrees.delete(dataDir);
            }
        }

        // After retention's grace period the originals are gone from the store; only indexed segments remain.
        Instant afterGrace = later.plus(Duration.ofHours(2));
        try (ObjectStore store = LocalStoreProvider.at(storeDir)) {
            RetentionRunner.Result gc = new RetentionRunner(new Catalog(store, new CatalogWriter(store, "gc",
                    Clock.fixed(afterGrace, ZoneOffset.UTC))), RetentionPolicies.limitBased(7), Duration.ofHours(1),
                    Clock.fixed(afterGrace, ZoneOffset.UTC)).run(false);
            assertThat(gc.deletedObjects()).hasSize(merged.segmentsReplaced());
            TreeSet<String> inStore = new TreeSet<>();
            store.list(BackupLayout.generationPrefix(GENERATION) + "delta/").toList().forEach(info -> inStore.add(info.key()));
            TreeSet<String> indexed = new TreeSet<>();
            new Catalog(store).generations().get(0).deltas().forEach(d -> indexed.add(d.key()));
            assertThat(inStore).isEqualTo(indexed).hasSize(merged.segmentsAfter());
        }
    }

    /**
     * Replaces the captured segment(s) in the index by one segment per revision, each with the
     * leases of its events and its revision's receive time, then deletes the captured object.
     */
    private static void cutIntoOneSegmentPerRevision(ObjectStore store, Catalog catalog) throws Exception {
        List<DeltaSegmentRef> captured = catalog.generations().get(0).deltas();
        List<DeltaSegmentRef> cut = new ArrayList<>();
        for (DeltaSegmentRef segment : captured) {
            DeltaSegments.Read read = DeltaSegments.read(store, segment.key());
            Map<Long, Long> ttls = new TreeMap<>();
            read.header().leases().forEach(l -> ttls.put(l.id(), l.grantedTtl()));
            List<Event> events = read.events();
            int i = 0;
            while (i < events.size()) {
                long revision = DeltaEventCodec.revisionOf(events.get(i));
                int end = i;
                while (end < events.size() && DeltaEventCodec.revisionOf(events.get(end)) == revision) {
                    end++;
                }
                List<Event> ofRevision = events.subList(i, end);
                List<ObjectHeader.LeaseRecord> leases = ofRevision.stream().mapToLong(e -> e.getKv().getLease()).filter(id -> id != 0)
                        .distinct().mapToObj(id -> new ObjectHeader.LeaseRecord(id, ttls.getOrDefault(id, 0L))).toList();
                Instant receivedAt = segment.publishedAt().minusSeconds(events.size()).plusSeconds(end);
                cut.add(DeltaSegments.write(store, read.header(), ofRevision, leases,
                        List.of(new ObjectHeader.RevisionTime(revision, receivedAt.toEpochMilli())), receivedAt));
                i = end;
            }
        }
        catalog.writer().orElseThrow().update(state -> new CatalogState(state.formatVersion(), state.sequence(), state.epoch(),
                state.writer(), state.updatedAt(), List.of(new CatalogState.GenerationEntry(state.generations().get(0).info(),
                state.generations().get(0).fulls(), cut)), state.removed()));
        for (DeltaSegmentRef segment : captured) {
            store.delete(segment.key());
        }
    }
}
