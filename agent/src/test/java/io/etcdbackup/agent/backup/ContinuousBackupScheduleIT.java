package io.etcdbackup.agent.backup;

import io.etcd.jetcd.ByteSequence;
import io.etcdbackup.agent.metrics.BackupMetrics;
import io.etcdbackup.agent.schedule.CronSchedule;
import io.etcdbackup.agent.schedule.VirtualTaskScheduler;
import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
import io.etcdbackup.snapshot.catalog.FullSnapshotRef;
import io.etcdbackup.snapshot.catalog.Generation;
import io.etcdbackup.snapshot.capture.DeltaCapture;
import io.etcdbackup.snapshot.capture.FullSnapshotter;
import io.etcdbackup.snapshot.format.Codec;
import io.etcdbackup.snapshot.maintenance.ClusterDefragmenter;
import io.etcdbackup.snapshot.retention.RetentionPolicies;
import io.etcdbackup.snapshot.testing.EtcdClusterExtension;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.local.LocalStoreProvider;
import io.etcdbackup.stores.testing.Await;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The sidecar's schedules on a virtual clock against a real etcd: full snapshots at the cron
 * times, delta segments every delta period, retention every retention period, and the start-up
 * decision between continuing the chain and taking a full snapshot. Time only moves when the test
 * moves it, so each assertion names the exact instant something happened.
 */
class ContinuousBackupScheduleIT {

    private static final Duration DELTA_PERIOD = Duration.ofSeconds(20);

    @RegisterExtension
    final EtcdClusterExtension etcd = EtcdClusterExtension.members(1);

    @TempDir
    Path dir;

    private ObjectStore store;

    @BeforeEach
    void openStore() throws Exception {
        store = LocalStoreProvider.at(dir.resolve("store"));
    }

    @AfterEach
    void closeStore() throws Exception {
        store.close();
    }

    private BackupService service(VirtualTaskScheduler scheduler) {
        CaptureSettings settings = new CaptureSettings(new FullSnapshotter.Settings(Codec.ZSTD, 1, Duration.ofMinutes(1)), DELTA_PERIOD,
                new DeltaCapture.Settings(64 << 20, 128 << 20, Codec.ZSTD, 1));
        return new BackupService(etcd.clients(), store, settings, "schedule-test", scheduler.clock());
    }

    private static ContinuousBackup backup(BackupService service, VirtualTaskScheduler scheduler, String cron) {
        return backup(service, scheduler, cron, Maintenance.none());
    }

    private static ContinuousBackup backup(BackupService service, VirtualTaskScheduler scheduler, String cron, Maintenance maintenance) {
        return new ContinuousBackup(service, Optional.of(CronSchedule.parse(cron)), maintenance, scheduler,
                new BackupMetrics(new SimpleMeterRegistry()));
    }

    private List<Instant> fullSnapshotTimes() throws Exception {
        return new Catalog(store).latest().map(Generation::fulls).orElse(List.of()).stream().map(FullSnapshotRef::createdAt).toList();
    }

    private List<DeltaSegmentRef> deltas() throws Exception {
        return new Catalog(store).latest().map(Generation::deltas).orElse(List.of());
    }

    private long put(String key) throws Exception {
        return etcd.client().getKVClient().put(ByteSequence.from(key, StandardCharsets.UTF_8),
                ByteSequence.from("v", StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS).getHeader().getRevision();
    }

    /** Waits in real time for work done on the capture's own threads (watch delivery, upload). */
    private static void await(String what, BooleanSupplier condition) throws Exception {
        Await.await(what, Duration.ofSeconds(60), condition::getAsBoolean);
    }

    @Test
    void fullSnapshotsAreTakenAtTheCronTimesOfTheInjectedClock() throws Exception {
        VirtualTaskScheduler scheduler = new VirtualTaskScheduler(Instant.parse("2026-11-22T10:15:00Z"));
        try (BackupService service = service(scheduler); ContinuousBackup backup = backup(service, scheduler, "0 */1 * * *")) {
            backup.start();
            scheduler.runDue();
            assertThat(fullSnapshotTimes()).as("the first full snapshot of a new generation, at start-up")
                    .containsExactly(Instant.parse("2026-11-22T10:15:00Z"));

            scheduler.advanceTo(Instant.parse("2026-11-22T10:59:59Z"));
            assertThat(fullSnapshotTimes()).hasSize(1);

            scheduler.advanceTo(Instant.parse("2026-11-22T13:30:00Z"));
            assertThat(fullSnapshotTimes()).containsExactly(Instant.parse("2026-11-22T10:15:00Z"),
                    Instant.parse("2026-11-22T11:00:00Z"), Instant.parse("2026-11-22T12:00:00Z"), Instant.parse("2026-11-22T13:00:00Z"));
        }
    }

    @Test
    void bufferedRevisionsArePublishedWhenTheDeltaPeriodElapses() throws Exception {
        Instant start = Instant.parse("2026-11-22T10:15:00Z");
        VirtualTaskScheduler scheduler = new VirtualTaskScheduler(start);
        try (BackupService service = service(scheduler); ContinuousBackup backup = backup(service, scheduler, "0 0 1 1 *")) {
            backup.start();
            scheduler.runDue();
            long ranAtStartUp = scheduler.tasksRun();
            long written = put("a");
            await("the watch to deliver revision " + written, () -> backup.state().lastReceivedRevision() >= written);

            scheduler.advance(DELTA_PERIOD.minusSeconds(1));
            // Only a control task requests a flush (the buffer is far below the flush size): none
            // ran, so none can be publishing on the capture's thread later.
            assertThat(scheduler.tasksRun()).as("no control task ran before the period elapsed").isEqualTo(ranAtStartUp);
            assertThat(deltas()).as("nothing published before the period elapsed").isEmpty();

            scheduler.advance(Duration.ofSeconds(1));
            await("the segment of the first period", () -> backup.state().lastPublishedRevision() >= written);
            assertThat(deltas()).singleElement().satisfies(segment -> {
                assertThat(segment.lastRevision()).isEqualTo(written);
                assertThat(segment.publishedAt()).isEqualTo(start.plus(DELTA_PERIOD));
            });

            long second = put("b");
            await("the watch to deliver revision " + second, () -> backup.state().lastReceivedRevision() >= second);
            scheduler.advance(DELTA_PERIOD);
            await("the segment of the second period", () -> backup.state().lastPublishedRevision() >= second);
            assertThat(deltas()).last().satisfies(segment -> assertThat(segment.publishedAt()).isEqualTo(start.plus(DELTA_PERIOD.multipliedBy(2))));
        }
    }

    @Test
    void retentionRunsEachRetentionPeriod() throws Exception {
        VirtualTaskScheduler scheduler = new VirtualTaskScheduler(Instant.parse("2026-11-22T10:59:30Z"));
        Maintenance retention = Maintenance.none()
                .withRetention(new Maintenance.Retention(RetentionPolicies.limitBased(1), Duration.ZERO, Duration.ofMinutes(1)));
        try (BackupService service = service(scheduler); ContinuousBackup backup = backup(service, scheduler, "0 */1 * * *", retention)) {
            backup.start();
            scheduler.runDue();
            scheduler.advanceTo(Instant.parse("2026-11-22T11:00:29Z"));
            assertThat(fullSnapshotTimes()).as("two full snapshots before retention's first run")
                    .containsExactly(Instant.parse("2026-11-22T10:59:30Z"), Instant.parse("2026-11-22T11:00:00Z"));

            scheduler.advanceTo(Instant.parse("2026-11-22T11:00:30Z"));
            assertThat(fullSnapshotTimes()).as("LimitBased(1) applied one retention period after start-up")
                    .containsExactly(Instant.parse("2026-11-22T11:00:00Z"));
        }
    }

    @Test
    void theClusterIsDefragmentedAtTheDefragmentationScheduleTimes() throws Exception {
        VirtualTaskScheduler scheduler = new VirtualTaskScheduler(Instant.parse("2026-11-22T10:15:00Z"));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Maintenance defragmentation = Maintenance.none().withDefragmentation(new Maintenance.Defragmentation(
                CronSchedule.parse("30 10 * * *"), new ClusterDefragmenter(etcd.clients(), Duration.ofMinutes(1), scheduler.clock())));
        try (BackupService service = service(scheduler);
             ContinuousBackup backup = new ContinuousBackup(service, Optional.empty(), defragmentation, scheduler, new BackupMetrics(registry))) {
            backup.start();
            scheduler.advanceTo(Instant.parse("2026-11-22T10:29:59Z"));
            assertThat(defragmentations(registry)).isZero();
            scheduler.advanceTo(Instant.parse("2026-11-22T10:30:00Z"));
            assertThat(defragmentations(registry)).as("defragmented at 10:30").isEqualTo(1);
            scheduler.advanceTo(Instant.parse("2026-11-23T10:29:59Z"));
            assertThat(defragmentations(registry)).isEqualTo(1);
            scheduler.advanceTo(Instant.parse("2026-11-23T10:30:00Z"));
            assertThat(defragmentations(registry)).as("and again the next day").isEqualTo(2);
        }
    }

    private static long defragmentations(SimpleMeterRegistry registry) {
        var timer = registry.find("etcdbr.defragmentation.duration").tag("succeeded", "true").timer();
        return timer == null ? 0 : timer.count();
    }

    @Test
    void atStartUpTheChainContinuesUnlessAScheduledFullSnapshotWasMissed() throws Exception {
        VirtualTaskScheduler scheduler = new VirtualTaskScheduler(Instant.parse("2026-11-22T10:15:00Z"));
        try (BackupService service = service(scheduler)) {
            try (ContinuousBackup first = backup(service, scheduler, "0 */1 * * *")) {
                first.start();
                scheduler.runDue();
                put("before-restart");
            }
            String generation = new Catalog(store).latest().orElseThrow().id();

            scheduler.advanceTo(Instant.parse("2026-11-22T10:40:00Z"));
            try (ContinuousBackup second = backup(service, scheduler, "0 */1 * * *")) {
                second.start();
                scheduler.runDue();
                assertThat(second.state().generation()).as("continues the chain").contains(generation);
                assertThat(fullSnapshotTimes()).as("no full snapshot is due").hasSize(1);
            }

            scheduler.advanceTo(Instant.parse("2026-11-22T11:05:00Z"));
            try (ContinuousBackup third = backup(service, scheduler, "0 */1 * * *")) {
                third.start();
                scheduler.runDue();
                assertThat(third.state().generation()).contains(generation);
                assertThat(fullSnapshotTimes()).as("the 11:00 full snapshot was missed while stopped: taken at start-up")
                        .containsExactly(Instant.parse("2026-11-22T10:15:00Z"), Instant.parse("2026-11-22T11:05:00Z"));
            }
        }
    }
    @Test
    void anOnDemandDeltaWhileTheWatchFellBehindEtcdsCompactionAsksTheCallerToRetry() throws Exception {
        VirtualTaskScheduler scheduler = new VirtualTaskScheduler(Instant.parse("2026-11-22T10:15:00Z"));
        try (BackupService service = service(scheduler)) {
            try (ContinuousBackup first = backup(service, scheduler, "0 */1 * * *")) {
                first.start();
                scheduler.runDue();
            }
            // While no agent runs, etcd moves on and compacts past the chain's last revision.
            put("while-stopped-1");
            long head = put("while-stopped-2");
            etcd.client().getKVClient().compact(head).get(10, TimeUnit.SECONDS);

            try (ContinuousBackup second = backup(service, scheduler, "0 */1 * * *")) {
                second.start();
                // Continues the chain; the watch then learns of the compaction. Only the start-up
                // runs here: the restart the watch thread queues meanwhile waits until after the
                // on-demand delta below (runDue could already run it if the watch was quick).
                scheduler.runQueuedDue();
                String continued = second.state().generation().orElseThrow();
                assertThatThrownBy(() -> second.takeDeltaNow(Duration.ofSeconds(30)))
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("etcd compacted past it at revision " + head)
                        .hasMessageContaining("retry");

                // The restart: a new generation from a new full snapshot. The capture wakes the
                // waiting caller before its watch thread queues the restart, so it may not be
                // queued yet: run what is due until it has run.
                await("the restart after the compaction", () -> {
                    scheduler.runDue();
                    return second.state().generation().filter(g -> !g.equals(continued)).isPresent();
                });
                assertThat(second.state().capturing()).isTrue();
                put("after-restart");
                assertThat(second.takeDeltaNow(Duration.ofSeconds(30))).isPresent();
            }
        }
    }
}
