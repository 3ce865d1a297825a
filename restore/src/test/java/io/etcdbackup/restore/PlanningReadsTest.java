package io.etcdbackup.restore;

import io.etcdbackup.snapshot.catalog.BackupLayout;
import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.snapshot.catalog.CatalogWriter;
import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
import io.etcdbackup.snapshot.catalog.FullSnapshotRef;
import io.etcdbackup.snapshot.catalog.GenerationInfo;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.WriteMode;
import io.etcdbackup.stores.local.LocalStoreProvider;
import io.etcdbackup.stores.metrics.MeteredObjectStore;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Restore planning reads the catalog index, not a listing of every object; and the labels of the objects it plans. */
class PlanningReadsTest {

    private static final String GEN = "20261122T000000000Z-0001";

    @TempDir
    Path dir;

    @Test
    void planningARestoreOverFiveThousandDeltaSegmentsCostsAtMostThreeStoreReads() throws Exception {
        try (ObjectStore local = LocalStoreProvider.at(dir)) {
            Catalog writable = new Catalog(local, new CatalogWriter(local, "test", Clock.systemUTC()));
            writable.recordGeneration(new GenerationInfo(GEN, "test", Instant.EPOCH, 7, 100, null));
            Instant at = Instant.parse("2026-11-22T00:00:00Z");
            String fullKey = BackupLayout.fullKey(GEN, 100, at);
            local.put(fullKey, new byte[] {0}, WriteMode.IF_ABSENT);
            writable.recordFull(new FullSnapshotRef(fullKey, GEN, 100, at, 1));
            List<DeltaSegmentRef> deltas = new ArrayList<>();
            for (int i = 0; i < 5000; i++) {
                long first = 101 + 10L * i;
                String key = BackupLayout.deltaKey(GEN, first, first + 9);
                local.put(key, new byte[] {1}, WriteMode.IF_ABSENT);
                deltas.add(new DeltaSegmentRef(key, GEN, first, first + 9, 1, at.plusSeconds(i)));
            }
            writable.recordDeltas(deltas);

            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            ObjectStore metered = new MeteredObjectStore(local, registry);
            RestorePlan plan = new RestorePlanner(new Catalog(metered)).latest();

            assertThat(plan.deltas()).hasSize(5000);
            assertThat(plan.targetRevision()).isEqualTo(100 + 50_000);
            long reads = registry.find("etcdbackup.store.calls").timers().stream()
                    .filter(t -> List.of("open", "stat", "list").contains(t.getId().getTag("operation")))
                    .mapToLong(Timer::count).sum();
            assertThat(reads).isBetween(1L, 3L);
            // Besides, each planned object's labels are read once, for x-etcd-snapshot-exclude.
            long labelReads = registry.find("etcdbackup.store.calls").tag("operation", "labels").timers().stream()
                    .mapToLong(Timer::count).sum();
            assertThat(labelReads).isEqualTo(1 + 5000);
        }
    }
}
