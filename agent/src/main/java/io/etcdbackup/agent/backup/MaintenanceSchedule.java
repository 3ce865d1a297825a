package io.etcdbackup.agent.backup;

import io.etcdbackup.agent.schedule.TaskScheduler;
import io.etcdbackup.compaction.Compactor;
import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.snapshot.catalog.FencedWriterException;
import io.etcdbackup.snapshot.catalog.FullSnapshotRef;
import io.etcdbackup.snapshot.maintenance.DefragReport;
import io.etcdbackup.snapshot.merge.MergeRunner;
import io.etcdbackup.snapshot.retention.RetentionRunner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs a backup's {@link Maintenance} once capture has started: retention and defragmentation as
 * control tasks on the backup's {@link TaskScheduler} (so never during a full snapshot), merging
 * every merge period and compaction when a published segment makes the chain pass a threshold,
 * both on one background thread of their own (so capture goes on, and they never run at once).
 * After {@link #close()} nothing more starts; a running compaction is interrupted.
 */
final class MaintenanceSchedule implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MaintenanceSchedule.class);
    /** How long closing waits for a running compaction or merge to stop and clean up. */
    private static final Duration COMPACTION_STOP = Duration.ofSeconds(15);
    /** Retention lists the whole store for orphans only every this many runs. */
    private static final int RUNS_PER_ORPHAN_COLLECTION = 60;

    /** What maintenance needs from the backup it serves. */
    interface Host {
        /** The chain a restore of the latest state would replay now. */
        ChainStats chain();

        /** A compaction made {@code full}, a new base for the chain. */
        void compactedInto(FullSnapshotRef full);

        /** A newer writer took the catalog over: the backup stops for good. */
        void fenced(FencedWriterException fenced);
    }

    private final Maintenance plan;
    private final Optional<RetentionRunner> retention;
    private final TaskScheduler scheduler;
    private final Clock clock;
    private final BackupListener listener;
    private final Host host;
    /** Shared by compaction and merging; null when neither is configured. */
    private final ExecutorService compactionThread;
    private final AtomicBoolean compacting = new AtomicBoolean();
    /** The second store's sync, on a thread of its own (a long copy never delays capture, merging or compaction); null without one. */
    private final java.util.concurrent.ScheduledExecutorService secondaryThread;
    private volatile CompactionOutcome lastCompaction;
    private volatile boolean closed;
    private long retentionRuns;

    MaintenanceSchedule(Maintenance plan, Catalog catalog, TaskScheduler scheduler, BackupListener listener, Host host) {
        this.plan = plan;
        this.scheduler = scheduler;
        this.clock = scheduler.clock();
        this.listener = listener;
        this.host = host;
        this.retention = plan.retention().map(r -> new RetentionRunner(catalog, r.policy(), r.grace(), clock));
        this.compactionThread = plan.compaction().isPresent() || plan.merging().isPresent()
                ? Executors.newSingleThreadExecutor(r -> {
                    Thread t = new Thread(r, "compaction");
                    t.setDaemon(true);
                    return t;
                })
                : null;
        this.secondaryThread = plan.secondary().isPresent() ? Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "secondary-sync");
            t.setDaemon(true);
            return t;
        }) : null;
    }

    /** Schedules retention, defragmentation, merging and the second store's sync; called once, when capture has started. */
    void start() {
        plan.retention().ifPresent(r -> scheduler.after(r.period(), this::runRetention));
        scheduleNextDefrag();
        scheduleNextMerge();
        plan.secondary().ifPresent(site -> secondaryThread.scheduleWithFixedDelay(site::sync, 0, site.period().toMillis(),
                java.util.concurrent.TimeUnit.MILLISECONDS));
    }

    /** A delta segment was published: compacts the chain in the background if it passes a threshold. */
    void segmentPublished() {
        if (plan.compaction().isEmpty() || closed) {
            return;
        }
        Optional<String> passed = plan.compaction().get().thresholds().passedBy(host.chain());
        if (passed.isEmpty() || !compacting.compareAndSet(false, true)) {
            return;
        }
        LOG.info("compaction triggered: reason=\"{}\"", passed.get()); // CompactionIT reads this line
        try {
            compactionThread.execute(() -> runCompaction(plan.compaction().get().compactor(), passed.get()));
        } catch (RejectedExecutionException closing) {
            compacting.set(false);
        }
    }

    /** How far the second store is behind {@code primaryRevision}, when there is one. */
    Optional<SecondarySite.Status> secondary(long primaryRevision) {
        return plan.secondary().map(site -> site.status(primaryRevision, clock.instant()));
    }

    /** The last compaction run, if any. */
    Optional<CompactionOutcome> lastCompaction() {
        return Optional.ofNullable(lastCompaction);
    }

    private void runCompaction(Compactor compactor, String trigger) {
        try {
            Compactor.Result result = compactor.compact();
            lastCompaction = new CompactionOutcome(clock.instant(), trigger, Optional.of(result), Optional.empty());
            listener.compacted(result.took(), true);
            result.full().ifPresent(base -> {
                host.compactedInto(base);
                listener.baseCompacted(base);
            });
        } catch (Exception e) {
            LOG.warn("compaction failed, the chain is unchanged; retried when the next segment passes a threshold trigger=\"{}\"",
                    trigger, e);
            lastCompaction = new CompactionOutcome(clock.instant(), trigger, Optional.empty(), Optional.of(e.toString()));
            listener.compacted(Duration.ZERO, false);
        } finally {
            compacting.set(false);
        }
    }

    private void scheduleNextMerge() {
        if (plan.merging().isEmpty() || closed) {
            return;
        }
        Maintenance.Merging merging = plan.merging().get();
        scheduler.after(merging.period(), () -> {
            if (closed) {
                return;
            }
            try {
                compactionThread.execute(() -> runMerge(merging.merger()));
            } catch (RejectedExecutionException closing) {
                return;
            }
            scheduleNextMerge();
        });
    }

    private void runMerge(MergeRunner merger) {
        try {
            MergeRunner.Result result = merger.run();
            if (result.merges() > 0) {
                LOG.info("segments merged merges={} segments_before={} segments_after={} bytes_written={}", result.merges(),
                        result.segmentsBefore(), result.segmentsAfter(), result.bytesWritten());
            }
        } catch (FencedWriterException fenced) {
            LOG.error("segment merging stopped: a newer writer holds the catalog", fenced);
            host.fenced(fenced);
        } catch (Exception e) {
            LOG.warn("segment merging failed, retried next period", e);
        }
    }

    private void scheduleNextDefrag() {
        if (plan.defragmentation().isEmpty() || closed) {
            return;
        }
        Maintenance.Defragmentation defrag = plan.defragmentation().get();
        defrag.schedule().nextAfter(clock.instant()).ifPresent(next -> scheduler.at(next, () -> {
            runDefrag(defrag);
            scheduleNextDefrag();
        }));
    }

    private void runDefrag(Maintenance.Defragmentation defrag) {
        if (closed) {
            return;
        }
        long started = System.nanoTime();
        try {
            DefragReport report = defrag.defragmenter().defragment();
            listener.defragmented(report.duration(), report.succeeded());
            LOG.info("defragmentation finished succeeded={} reclaimed_bytes={} members={}", report.succeeded(),
                    report.reclaimedBytes(), report.members().size());
        } catch (RuntimeException e) {
            listener.defragmented(Duration.ofNanos(System.nanoTime() - started), false);
            LOG.warn("defragmentation not run", e);
        }
    }

    private void runRetention() {
        if (closed) {
            return;
        }
        try {
            listener.retentionRan(retention.orElseThrow().run(retentionRuns++ % RUNS_PER_ORPHAN_COLLECTION == 0));
        } catch (FencedWriterException fenced) {
            LOG.error("retention stopped: a newer writer holds the catalog", fenced);
            host.fenced(fenced);
            return;
        } catch (Exception e) {
            LOG.warn("retention failed, retried next period", e);
        }
        scheduler.after(plan.retention().orElseThrow().period(), this::runRetention);
    }

    /** Stops starting maintenance; a running compaction is interrupted (its scratch files are removed). */
    @Override
    public void close() {
        closed = true;
        if (compactionThread != null) {
            compactionThread.shutdownNow();
        }
        if (secondaryThread != null) {
            secondaryThread.shutdownNow();
        }
    }

    /**
     * After {@link #close()}: waits (at most {@link #COMPACTION_STOP}) for an interrupted compaction
     * or merge to stop its scratch server and remove its scratch files. Without the wait the
     * process could exit with the scratch etcd still running and a database left in the scratch
     * directory.
     */
    void awaitStopped() {
        if (compactionThread != null) {
            try {
                if (!compactionThread.awaitTermination(COMPACTION_STOP.toMillis(), TimeUnit.MILLISECONDS)) {
                    LOG.warn("compaction did not stop in time; its scratch files are removed when the process starts again waited_s={}",
                            COMPACTION_STOP.toSeconds());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
