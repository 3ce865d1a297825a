package io.etcdbackup.agent.metrics;

import io.etcdbackup.agent.backup.BackupListener;
import io.etcdbackup.snapshot.catalog.BackupLayout;
import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
import io.etcdbackup.snapshot.catalog.FullSnapshotRef;
import io.etcdbackup.snapshot.retention.RetentionRunner;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the sidecar's backup work records: snapshot durations and failures, bytes uploaded,
 * objects collected by retention, defragmentation and initialization durations. One instance per
 * process, on the registry {@code /metrics} renders. Gauges of the current state (latest
 * revision, lag, role, ...) are registered by {@link StateGauges}.
 *
 * <p>Names are Micrometer names; the Prometheus registry renders dots as underscores, appends the
 * base unit ({@code _seconds}, {@code _bytes}) and {@code _total} to counters. Where the meaning
 * is the reference's (gardener/etcd-backup-restore), the name and the {@code kind} label values
 * ({@code Full}, {@code Incr}) are its own, so existing dashboards work.
 *
 * <p>A backup reports to it as its {@link BackupListener}.
 */
public final class BackupMetrics implements BackupListener {

    /** The reference's label values for the two snapshot kinds. */
    public enum Kind {
        FULL("Full"), DELTA("Incr");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    private final MeterRegistry registry;
    private final AtomicLong fullFailures = new AtomicLong();
    private final AtomicLong deltaFailures = new AtomicLong();
    private final AtomicLong lockedObjects = new AtomicLong();

    public BackupMetrics(MeterRegistry registry) {
        this.registry = registry;
        for (Kind kind : Kind.values()) {
            // Registered up front so that dashboards see zeros rather than absent series.
            registry.gauge("etcdbr.snapshotter.failure", io.micrometer.core.instrument.Tags.of("kind", kind.label()),
                    kind == Kind.FULL ? fullFailures : deltaFailures);
            snapshotTimer(kind, true);
            uploaded(kind);
        }
        collected(BackupLayout.KeyType.FULL);
        collected(BackupLayout.KeyType.DELTA);
        registry.gauge("etcdbackup.retention.locked.objects", lockedObjects);
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** A snapshot of {@code kind} ({@code bytes} stored) was published and indexed. */
    public void snapshotTaken(Kind kind, Duration took, long bytes) {
        snapshotTimer(kind, true).record(took);
        uploaded(kind).increment(bytes);
    }

    /** A snapshot of {@code kind} failed after {@code took}. */
    public void snapshotFailed(Kind kind, Duration took) {
        snapshotTimer(kind, false).record(took);
        (kind == Kind.FULL ? fullFailures : deltaFailures).incrementAndGet();
    }

    @Override
    public void fullTaken(Duration took, FullSnapshotRef full) {
        snapshotTaken(Kind.FULL, took, full.size());
    }

    @Override
    public void fullFailed(Duration took) {
        snapshotFailed(Kind.FULL, took);
    }

    @Override
    public void deltaPublished(Duration took, DeltaSegmentRef segment) {
        snapshotTaken(Kind.DELTA, took, segment.size());
    }

    @Override
    public void deltaFailed() {
        snapshotFailed(Kind.DELTA, Duration.ZERO);
    }

    /**
     * A retention run finished: count what it removed from the index, by kind, and set how many
     * removed objects wait for their store lock to expire ({@code etcdbackup_retention_locked_objects}).
     */
    @Override
    public void retentionRan(RetentionRunner.Result result) {
        lockedObjects.set(result.lockedObjects());
        for (var deletion : result.decision().deletions()) {
            if (deletion.type() == BackupLayout.KeyType.FULL || deletion.type() == BackupLayout.KeyType.DELTA) {
                collected(deletion.type()).increment();
            }
        }
    }

    /** A defragmentation of the cluster finished (or failed) after {@code took}. */
    @Override
    public void defragmented(Duration took, boolean succeeded) {
        Timer.builder("etcdbr.defragmentation.duration").description("Total latency of defragmenting the cluster's members")
                .tag("succeeded", Boolean.toString(succeeded)).register(registry).record(took);
    }

    /** A compaction run finished (or failed) after {@code took}. */
    @Override
    public void compacted(Duration took, boolean succeeded) {
        Timer.builder("etcdbackup.compaction.duration").description("Compactions of the chain into a new base")
                .tag("succeeded", Boolean.toString(succeeded)).register(registry).record(took);
    }

    /** A data directory was validated (initialization), taking {@code took}. */
    public void validated(Duration took, boolean succeeded) {
        Timer.builder("etcdbr.validation.duration").description("Latency of validating the data directory")
                .tag("succeeded", Boolean.toString(succeeded)).register(registry).record(took);
    }

    /** A data directory was restored from the store (initialization), taking {@code took}. */
    public void restored(Duration took, boolean succeeded) {
        Timer.builder("etcdbr.restoration.duration").description("Latency of restoring the data directory from the store")
                .tag("succeeded", Boolean.toString(succeeded)).register(registry).record(took);
    }

    private Timer snapshotTimer(Kind kind, boolean succeeded) {
        return Timer.builder("etcdbr.snapshot.duration").description("Latency of taking and publishing a snapshot")
                .tags("kind", kind.label(), "succeeded", Boolean.toString(succeeded)).register(registry);
    }

    private Counter uploaded(Kind kind) {
        return Counter.builder("etcdbackup.uploaded").baseUnit("bytes").description("Bytes of snapshots published, by kind")
                .tag("kind", kind.label()).register(registry);
    }

    private Counter collected(BackupLayout.KeyType type) {
        return Counter.builder("etcdbr.snapshot.gc").description("Snapshots removed from the catalog by retention")
                .tags("kind", type == BackupLayout.KeyType.FULL ? Kind.FULL.label() : Kind.DELTA.label(), "succeeded", "true")
                .register(registry);
    }
}
