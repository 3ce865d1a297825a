package io.etcdbackup.snapshot.capture;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.PutOption;
import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.snapshot.catalog.CatalogWriter;
import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
import io.etcdbackup.snapshot.catalog.Generation;
import io.etcdbackup.snapshot.etcd.MemberStatus;
import io.etcdbackup.snapshot.format.Codec;
import io.etcdbackup.snapshot.format.DeltaEventCodec;
import io.etcdbackup.snapshot.format.SnapshotObjectReader;
import io.etcdbackup.snapshot.testing.EtcdClusterExtension;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.local.LocalStoreProvider;
import io.etcdbackup.stores.testing.Await;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class DeltaCaptureIT {

    @RegisterExtension
    final EtcdClusterExtension etcd = EtcdClusterExtension.members(1);

    @TempDir
    Path storeDir;

    private static final String GEN = "20261122T000000000Z-0001";

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    private DeltaCapture capture(ObjectStore store, DeltaCapture.Settings settings, DeltaCapture.Listener listener) {
        MemberStatus status = MemberStatus.read(etcd.client(), etcd.clientUrls().get(0));
        Catalog catalog = new Catalog(store, new CatalogWriter(store, "test", Clock.systemUTC()));
        return new DeltaCapture(etcd.clients(), etcd.client(), catalog, GEN,
                new DeltaCapture.Source(status.clusterId(), status.memberId(), status.version()), settings, Clock.systemUTC(), listener);
    }

    private static Map<Long, Integer> eventsPerRevision(ObjectStore store, List<DeltaSegmentRef> segments, Map<Long, String> segmentOfRevision) throws Exception {
        Map<Long, Integer> counts = new HashMap<>();
        for (DeltaSegmentRef segment : segments) {
            try (SnapshotObjectReader reader = SnapshotObjectReader.open(segment.key(), store.open(segment.key()))) {
                List<Event> events = DeltaEventCodec.read(reader.content());
                reader.verify();
                for (Event event : events) {
                    long revision = DeltaEventCodec.revisionOf(event);
                    String previous = segmentOfRevision.putIfAbsent(revision, segment.key());
                    assertThat(previous).as("revision %d in two segments", revision).isIn(null, segment.key());
                    counts.merge(revision, 1, Integer::sum);
                }
            }
        }
        return counts;
    }

    @Test
    void aHundredKeyTransactionIsNeverSplitAcrossSegments() throws Exception {
        Client client = etcd.client();
        long start = MemberStatus.read(client, etcd.clientUrls().get(0)).revision() + 1;
        // A flush size of one byte publishes after every watch response: the most splitting pressure.
        DeltaCapture.Settings settings = new DeltaCapture.Settings(1, 64L << 20, Codec.ZSTD, 1);
        List<Long> txnRevisions = new ArrayList<>();
        try (ObjectStore store = LocalStoreProvider.at(storeDir)) {
            try (DeltaCapture capture = capture(store, settings, new DeltaCapture.Listener() { });
                 DeltaPeriod period = DeltaPeriod.every(Duration.ofMillis(5), capture)) {
                capture.start(start);
                for (int t = 0; t < 30; t++) {
                    Op[] puts = new Op[100];
                    for (int k = 0; k < 100; k++) {
                        puts[k] = Op.put(bytes("/txn/" + t + "/" + k), bytes("value-" + t + "-" + k), PutOption.DEFAULT);
                    }
                    txnRevisions.add(client.getKVClient().txn().Then(puts).commit().get().getHeader().getRevision());
                    long single = client.getKVClient().put(bytes("/single/" + t), bytes("x")).get() // interleave small revisions
                            .getHeader().getRevision();
                    if (t >= 15) { // the first half arrives as fast as etcd sends it; the second half one by one
                        awaitPublished(capture, single);
                    }
                }
            }
            Generation generation = new Catalog(store).generations().get(0);
            assertThat(generation.deltas().size()).as("segments").isGreaterThanOrEqualTo(15);
            Map<Long, Integer> counts = eventsPerRevision(store, generation.deltas(), new HashMap<>());
            for (long revision : txnRevisions) {
                assertThat(counts.get(revision)).as("events of txn revision %d", revision).isEqualTo(100);
            }
            assertThat(generation.lastRevision()).isEqualTo(txnRevisions.get(txnRevisions.size() - 1) + 1);
        }
    }

    /**
     * The owner's delta period, as the agent keeps it: its scheduler asks the capture to flush
     * ({@link DeltaCapture#requestFlush()}) every period. Closed before the capture.
     */
    private record DeltaPeriod(ScheduledExecutorService scheduler) implements AutoCloseable {
        static DeltaPeriod every(Duration period, DeltaCapture capture) {
            ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
            scheduler.scheduleWithFixedDelay(capture::requestFlush, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
            return new DeltaPeriod(scheduler);
        }

        @Override
        public void close() throws InterruptedException {
            scheduler.shutdown();
            scheduler.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    private static void awaitPublished(DeltaCapture capture, long revision) throws Exception {
        Await.await("revision " + revision + " published", Duration.ofSeconds(30), () -> capture.lastPublishedRevision() >= revision);
    }

    @Test
    void eachSegmentRecordsWhenItsRevisionsWereReceived() throws Exception {
        Client client = etcd.client();
        long start = MemberStatus.read(client, etcd.clientUrls().get(0)).revision() + 1;
        DeltaCapture.Settings settings = new DeltaCapture.Settings(1 << 20, 8 << 20, Codec.ZSTD, 1);
        try (ObjectStore store = LocalStoreProvider.at(storeDir)) {
            long early;
            long late;
            java.time.Instant between;
            try (DeltaCapture capture = capture(store, settings, new DeltaCapture.Listener() { })) {
                capture.start(start);
                early = client.getKVClient().put(bytes("/early"), bytes("1")).get().getHeader().getRevision();
                assertThat(capture.awaitReceived(early, Duration.ofSeconds(30))).isTrue();
                Thread.sleep(50);
                between = java.time.Instant.now();
                Thread.sleep(50);
                late = client.getKVClient().put(bytes("/late"), bytes("2")).get().getHeader().getRevision();
                assertThat(capture.awaitReceived(late, Duration.ofSeconds(30))).isTrue();
            }
            DeltaSegmentRef segment = new Catalog(store).generations().get(0).deltas().get(0);
            io.etcdbackup.snapshot.format.ObjectHeader header;
            try (SnapshotObjectReader reader = SnapshotObjectReader.open(segment.key(), store.open(segment.key()))) {
                header = reader.header();
            }
            assertThat(header.receivedAt()).extracting(io.etcdbackup.snapshot.format.ObjectHeader.RevisionTime::revision)
                    .isSorted().contains(early, late);
            assertThat(header.newestRevisionAtOrBefore(between)).as("the newest revision received before the instant").hasValue(early);
            assertThat(header.newestRevisionAtOrBefore(java.time.Instant.now())).hasValue(late);
            assertThat(header.newestRevisionAtOrBefore(java.time.Instant.EPOCH)).isEmpty();
        }
    }

    @Test
    void memoryIsCappedByWithholdingTheWatchUntilTheStoreCatchesUp() throws Exception {
        Client client = etcd.client();
        long start = MemberStatus.read(client, etcd.clientUrls().get(0)).revision() + 1;
        // 4,000 revisions of 4 KiB: etcd replays history in responses of at most 1,000 revisions.
        List<java.util.concurrent.CompletableFuture<?>> puts = new ArrayList<>();
        for (int i = 0; i < 4000; i++) {
            puts.add(client.getKVClient().put(bytes("/big/" + i), ByteSequence.from(new byte[4 * 1024])));
            if (puts.size() == 64) {
                for (var put : puts) {
                    put.get();
                }
                puts.clear();
            }
        }
        for (var put : puts) {
            put.get();
        }
        long last = MemberStatus.read(client, etcd.clientUrls().get(0)).revision();
        long limit = 256 * 1024;
        AtomicLong peak = new AtomicLong();
        try (ObjectStore store = LocalStoreProvider.at(storeDir)) {
            // A long period and a flush size equal to the limit: only the cap triggers publishing.
            DeltaCapture.Settings settings = new DeltaCapture.Settings(limit, limit, Codec.ZSTD, 1);
            try (DeltaCapture capture = capture(store, settings, new DeltaCapture.Listener() { })) {
                capture.start(start);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (capture.lastReceivedRevision() < last && System.nanoTime() < deadline) {
                    peak.accumulateAndGet(capture.bufferedBytes(), Math::max);
                    Thread.sleep(1);
                }
                assertThat(capture.awaitReceived(last, Duration.ofSeconds(30))).isTrue();
            }
            // At most the limit plus one watch response (up to 1,000 revisions of ~4.1 KiB), far
            // below the 16 MiB of history an uncapped buffer would have held.
            assertThat(peak.get()).isLessThan(limit + 1000L * 4200);
            Generation generation = new Catalog(store).generations().get(0);
            assertThat(generation.deltas().size()).isGreaterThanOrEqualTo(4);
            assertThat(generation.lastRevision()).isEqualTo(last);
        }
    }

    @Test
    void aWatchBehindCompactionReportsTheGap() throws Exception {
        Client client = etcd.client();
        long start = MemberStatus.read(client, etcd.clientUrls().get(0)).revision() + 1;
        for (int i = 0; i < 20; i++) {
            client.getKVClient().put(bytes("/c/" + i), bytes("v")).get();
        }
        long head = MemberStatus.read(client, etcd.clientUrls().get(0)).revision();
        client.getKVClient().compact(head).get();
        AtomicLong reported = new AtomicLong();
        try (ObjectStore store = LocalStoreProvider.at(storeDir)) {
            DeltaCapture.Settings settings = new DeltaCapture.Settings(1 << 20, 4 << 20, Codec.ZSTD, 1);
            try (DeltaCapture capture = capture(store, settings, new DeltaCapture.Listener() {
                @Override
                public void onCompacted(long compactRevision) {
                    reported.set(compactRevision);
                }
            })) {
                capture.start(start);
                assertThat(capture.awaitReceived(head, Duration.ofSeconds(60))).as("woken by the compaction, not the timeout").isFalse();
                assertThat(capture.compactedRevision()).hasValue(head);
            }
            // The listener runs on the watch's thread, right after waiters are woken.
            Await.await("the listener told of the compaction", Duration.ofSeconds(10), () -> reported.get() != 0);
            assertThat(reported.get()).isEqualTo(head);
            assertThat(new Catalog(store).generations()).isEmpty();
        }
    }
}
