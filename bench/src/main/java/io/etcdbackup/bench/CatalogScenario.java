package io.etcdbackup.bench;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.KeyValue;
import io.etcdbackup.etcdprocess.DirectoryTrees;
import io.etcdbackup.etcdprocess.EtcdBinaries;
import io.etcdbackup.restore.RestorePlan;
import io.etcdbackup.restore.RestorePlanner;
import io.etcdbackup.snapshot.catalog.BackupLayout;
import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.snapshot.catalog.CatalogWriter;
import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
import io.etcdbackup.snapshot.catalog.FullSnapshotRef;
import io.etcdbackup.snapshot.catalog.GenerationInfo;
import io.etcdbackup.snapshot.format.Codec;
import io.etcdbackup.snapshot.format.DeltaEventCodec;
import io.etcdbackup.snapshot.format.ObjectHeader;
import io.etcdbackup.snapshot.format.ObjectPublisher;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.ObjectStores;
import io.etcdbackup.stores.StoreContext;
import io.etcdbackup.stores.metrics.MeteredObjectStore;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Rows 6: store requests and time to plan a restore over the mode's number of delta segments,
 * written and indexed the way capture does into a file:// store, without etcd.
 */
final class CatalogScenario {

    private final Mode mode;
    private final Harness harness;
    private final Table table;

    CatalogScenario(Mode mode, Harness harness, Table table) {
        this.mode = mode;
        this.harness = harness;
        this.table = table;
    }

    void run() throws Exception {
        int segments = mode.segments();
        EtcdBinaries binaries = harness.binaries();
        Harness.step("6. catalog: store requests and time to plan a restore over " + segments + " delta segments (file:// store)");
        Path dir = harness.work().resolve("store-catalog");
        ObjectStore store = ObjectStores.open("file://" + dir, StoreContext.empty());
        Instant now = Instant.now();
        String generation = BackupLayout.newGenerationId(now);
        // Indexed the way capture indexes: generation record, full, then the segments.
        Catalog index = new Catalog(store, new CatalogWriter(store, "bench", Clock.systemUTC()));
        index.recordGeneration(new GenerationInfo(generation, "bench", now, 1, 1, null));
        long t = System.nanoTime();
        writeObject(store, BackupLayout.fullKey(generation, 1, now),
                ObjectHeader.fullSnapshot(generation, 1, 1, 1, binaries.version(), Codec.ZSTD, now), new byte[64]);
        ExecutorService writers = Executors.newFixedThreadPool(8);
        List<Future<?>> writes = new ArrayList<>();
        for (int seg = 0; seg < segments; seg++) {
            int s = seg;
            writes.add(writers.submit(() -> {
                long revision = 2 + s;
                String key = Workload.key(s);
                Event event = Event.newBuilder().setType(Event.EventType.PUT).setKv(KeyValue.newBuilder()
                        .setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFromUtf8("{\"n\":" + s + "}"))
                        .setCreateRevision(revision).setModRevision(revision).setVersion(1)).build();
                ByteArrayOutputStream content = new ByteArrayOutputStream();
                DeltaEventCodec.write(List.of(event), content);
                writeObject(store, BackupLayout.deltaKey(generation, revision, revision),
                        ObjectHeader.deltaSegment(generation, revision, revision, 1, 1, binaries.version(), Codec.ZSTD, now, 1,
                                List.of(), List.of()), content.toByteArray());
                return null;
            }));
        }
        try {
            for (Future<?> w : writes) {
                w.get();
            }
        } finally {
            writers.shutdownNow();
        }
        index.recordFull(new FullSnapshotRef(BackupLayout.fullKey(generation, 1, now), generation, 1, now, 64));
        List<DeltaSegmentRef> refs = new ArrayList<>();
        for (int seg = 0; seg < segments; seg++) {
            refs.add(new DeltaSegmentRef(BackupLayout.deltaKey(generation, 2 + seg, 2 + seg), generation, 2 + seg, 2 + seg, 100, now));
        }
        index.recordDeltas(refs);
        System.out.printf(Locale.ROOT, "  wrote and indexed 1 full + %d delta segments in %.1f s%n", segments, Harness.secondsSince(t));
        List<Double> times = new ArrayList<>();
        long requests = 0;
        long labelReads = 0;
        for (int run = 0; run < 5; run++) {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            MeteredObjectStore metered = new MeteredObjectStore(store, registry);
            long start = System.nanoTime();
            RestorePlan plan = new RestorePlanner(new Catalog(metered)).latest();
            times.add(Harness.secondsSince(start));
            if (plan.deltas().size() != segments) {
                throw new IllegalStateException("plan holds " + plan.deltas().size() + " segments, expected " + segments);
            }
            requests = registry.find(MeteredObjectStore.CALLS).timers().stream().mapToLong(Timer::count).sum();
            labelReads = registry.find(MeteredObjectStore.CALLS).tag("operation", "labels").timers().stream().mapToLong(Timer::count).sum();
        }
        DirectoryTrees.delete(dir);
        String setup = segments + " segments + 1 full, local store, catalog index";
        table.add(new Table.Row("6 catalog: store requests to plan", setup, requests, "requests", "segments", segments, "",
                String.format(Locale.ROOT, "MeteredObjectStore calls (a list counts once whatever its pages): %d to read the catalog, "
                        + "%d label reads (one per planned object, for x-etcd-snapshot-exclude)", requests - labelReads, labelReads)));
        table.add(new Table.Row("6 catalog: time to plan", setup, Stats.median(times) * 1000, "ms", "segments", segments, "",
                "median of 5; ratio = ms per segment"));
    }

    private static void writeObject(ObjectStore store, String key, ObjectHeader header, byte[] content) throws IOException {
        new ObjectPublisher(store).publish(key, header, 1, ObjectPublisher.IfExists.FAIL, out -> out.write(content));
    }
}
