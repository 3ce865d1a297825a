package io.etcdbackup.agent.backup;

import io.etcdbackup.agent.schedule.CronSchedule;
import io.etcdbackup.agent.schedule.TaskScheduler;
import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
import io.etcdbackup.snapshot.catalog.FencedWriterException;
import io.etcdbackup.snapshot.catalog.FullSnapshotRef;
import io.etcdbackup.snapshot.catalog.Generation;
import io.etcdbackup.snapshot.capture.Continuity;
import io.etcdbackup.snapshot.capture.DeltaCapture;
import io.etcdbackup.snapshot.etcd.MemberStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * One writer's capture loop: continues the newest generation (or starts one), captures deltas
 * continuously and publishes them every delta period, takes full snapshots on the cron schedule
 * without pausing deltas, runs its {@link Maintenance} (retention, defragmentation, merging,
 * compaction), starts a new generation when the watch falls behind compaction, and retries with
 * backoff while etcd or the store is unreachable. What it did is reported to a
 * {@link BackupListener}; what it is doing is read as one {@link BackupState}.
 *
 * <p>Every "when" comes from the {@link TaskScheduler} (and its clock): tests drive the schedules
 * with a virtual clock. The control tasks (start-up, full snapshots, retention, defragmentation)
 * run one at a time on the scheduler; delta segments are published on the capture's own thread,
 * so a long full snapshot does not hold deltas back. {@link #close()} publishes the buffered
 * deltas. A backup starts once; a closed one cannot restart.
 */
public final class ContinuousBackup implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ContinuousBackup.class);

    private final BackupService service;
    private final Optional<CronSchedule> schedule;
    private final TaskScheduler scheduler;
    private final Clock clock;
    private final BackupListener listener;
    private final MaintenanceSchedule maintenance;
    private final ChainTracker chain = new ChainTracker();
    private final RecoveryPoint recoveryPoint = new RecoveryPoint();
    private volatile DeltaCapture capture;
    private volatile String generation;
    private volatile boolean closed;
    private volatile Throwable failure;
    private volatile boolean finalFullOnClose;
    private int startAttempts;
    private boolean periodicTasksStarted;

    /**
     * @param schedule    when full snapshots are due; empty for none besides the first of each
     *                    generation
     * @param maintenance what runs beside capture once it has started
     * @param scheduler   runs the control tasks; its clock is the backup's clock
     * @param listener    told of each snapshot, retention, defragmentation and compaction
     */
    public ContinuousBackup(BackupService service, Optional<CronSchedule> schedule, Maintenance maintenance,
                            TaskScheduler scheduler, BackupListener listener) {
        this.service = service;
        this.schedule = schedule;
        this.scheduler = scheduler;
        this.clock = scheduler.clock();
        this.listener = listener;
        this.maintenance = new MaintenanceSchedule(maintenance, service.catalog(), scheduler, listener, new MaintenanceSchedule.Host() {
            @Override
            public ChainStats chain() {
                return state().chain();
            }

            @Override
            public void compactedInto(FullSnapshotRef full) {
                rebaseOn(full);
            }

            @Override
            public void fenced(FencedWriterException fenced) {
                failure = fenced;
            }
        });
    }

    /** Begins on the scheduler; failures to reach etcd or the store are retried. */
    public void start() {
        scheduler.now(this::bootstrap);
    }

    /** What this backup is doing now. */
    public BackupState state() {
        DeltaCapture current = capture;
        Throwable failed = failure;
        long published = current == null ? 0 : current.lastPublishedRevision(); // read once: one consistent record
        return new BackupState(Optional.ofNullable(generation), current != null && failed == null && !closed,
                Optional.ofNullable(failed), current == null ? 0 : current.lastReceivedRevision(), published,
                chain.latestFull(), chain.lastDelta(), current == null ? Optional.empty() : chain.lastDeltaAt(),
                chain.chain(published), maintenance.lastCompaction(), maintenance.secondary(published), recoveryPoint.instant(), clock.instant());
    }

    /**
     * Records that etcd's revision was at most {@code revision} at {@code at} (a status read,
     * stamped before the call), for the {@linkplain BackupState#recoveryPointLag() recovery
     * point}. The leader gate reports each of its checks.
     */
    public void etcdObserved(long revision, Instant at) {
        recoveryPoint.etcdObserved(revision, at);
    }

    /**
     * Makes {@link #close()} take a full snapshot after publishing the buffered deltas (so a
     * restore after shutdown starts from one object). A request made at shutdown, not
     * configuration: a backup closed because its member stopped leading takes none.
     */
    public void takeFinalFullOnClose() {
        this.finalFullOnClose = true;
    }

    /**
     * Captures up to etcd's current revision and publishes it now (a delta snapshot on demand).
     *
     * @return the newest segment published by this process afterwards (empty if none ever was:
     *         nothing happened since capture started)
     * @throws IllegalStateException if capture has not started, or it ended while waiting (the
     *                               watch fell behind etcd's compaction and a new generation is
     *                               starting, or the agent is stepping down): retry
     * @throws IOException           if etcd did not deliver the revisions within {@code timeout},
     *                               or the store refused the segment
     */
    public Optional<DeltaSegmentRef> takeDeltaNow(Duration timeout) throws IOException, InterruptedException {
        DeltaCapture current = requireCapture();
        Instant askedAt = clock.instant();
        long revision = service.memberStatus().revision();
        recoveryPoint.etcdObserved(revision, askedAt);
        if (!current.awaitReceived(revision, timeout)) {
            OptionalLong compacted = current.compactedRevision();
            if (compacted.isPresent() || current != capture || closed) {
                String why = compacted.isPresent() ? "etcd compacted past it at revision " + compacted.getAsLong() : "capture stopped";
                throw new IllegalStateException("delta capture of generation " + current.generation()
                        + " ended while waiting for revision " + revision + " (" + why + "); capture is restarting, retry");
            }
            throw new IOException("watch did not deliver revisions up to " + revision + " within " + timeout);
        }
        current.flush();
        return chain.lastDelta();
    }

    /** Publishes buffered deltas now. */
    public long flushDeltas() throws IOException {
        return requireCapture().flush();
    }

    private DeltaCapture requireCapture() {
        DeltaCapture current = capture;
        if (current == null || closed) {
            throw new IllegalStateException("capture has not started yet");
        }
        return current;
    }

    /**
     * Takes a full snapshot now (on the scheduler, after any control task running), returning
     * when it is published.
     */
    public FullSnapshotRef takeFullNow() throws Exception {
        CompletableFuture<FullSnapshotRef> done = new CompletableFuture<>();
        scheduler.now(() -> {
            try {
                done.complete(takeFull(requireGeneration()));
            } catch (Exception | Error e) {
                done.completeExceptionally(e);
            }
        });
        try {
            return done.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    private FullSnapshotRef takeFull(String generationId) throws IOException {
        return timedFull(() -> service.takeFull(generationId));
    }

    private FullSnapshotRef startGeneration(String reason) throws IOException {
        return timedFull(() -> service.startGeneration(reason));
    }

    /** A full snapshot that can fail. */
    private interface FullSnapshotCall {
        FullSnapshotRef take() throws IOException;
    }

    private FullSnapshotRef timedFull(FullSnapshotCall call) throws IOException {
        long started = System.nanoTime();
        FullSnapshotRef full;
        try {
            full = call.take();
        } catch (IOException | RuntimeException e) {
            listener.fullFailed(Duration.ofNanos(System.nanoTime() - started));
            throw e;
        }
        recoveryPoint.durableUpTo(full.revision());
        listener.fullTaken(Duration.ofNanos(System.nanoTime() - started), full);
        chain.fullTaken(full);
        return full;
    }

    /** After a compaction: the new base, and the chain after it as the index tells. */
    private void rebaseOn(FullSnapshotRef full) {
        if (!chain.isNewerBase(full) || !full.generation().equals(generation)) {
            return; // a newer full snapshot was taken meanwhile, or a new generation began
        }
        try {
            List<DeltaSegmentRef> after = service.catalog().generations().stream().filter(g -> g.id().equals(full.generation()))
                    .findFirst().map(g -> g.deltasAfter(full.revision())).orElse(List.of());
            chain.rebase(full, after);
        } catch (IOException e) {
            LOG.warn("could not read the chain after the new base generation={} revision={}", full.generation(), full.revision(), e);
        }
    }

    private String requireGeneration() {
        if (generation == null || closed) {
            throw new IllegalStateException("capture has not started yet");
        }
        return generation;
    }

    private void bootstrap() {
        if (closed) {
            return;
        }
        try {
            MemberStatus status = service.memberStatus();
            service.acquireCatalog();
            Continuity.Decision decision = Continuity.decide(service.catalog(), status);
            if (decision.continues()) {
                Generation current = decision.generation().get();
                LOG.info("continuing generation={} from_revision={}", current.id(), decision.lastRevision() + 1);
                recoveryPoint.durableUpTo(decision.lastRevision());
                startCapture(current.id(), decision.lastRevision() + 1, status);
                FullSnapshotRef latestFull = current.latestFull().get();
                chain.continued(latestFull, current.deltasAfter(latestFull.revision()), decision.lastRevision());
                Instant lastFull = latestFull.createdAt();
                if (schedule.map(s -> s.isOverdue(lastFull, clock.instant())).orElse(false)) {
                    LOG.info("newest full snapshot missed a scheduled time; taking one now created_at={}", lastFull);
                    scheduler.now(this::scheduledFull);
                }
            } else {
                FullSnapshotRef full = startGeneration(decision.reason());
                startCapture(full.generation(), full.revision() + 1, status);
            }
            startAttempts = 0;
            startPeriodicTasks();
        } catch (FencedWriterException fenced) {
            LOG.error("backup not started: a newer writer holds the catalog", fenced);
            failure = fenced;
        } catch (Exception e) {
            long delay = Math.min(60, 1L << Math.min(++startAttempts, 6));
            LOG.warn("backup not started, retrying retry_in_seconds={}", delay, e);
            scheduler.after(Duration.ofSeconds(delay), this::bootstrap);
        }
    }

    private void startPeriodicTasks() {
        if (periodicTasksStarted) {
            return;
        }
        periodicTasksStarted = true;
        scheduleNextFull();
        Duration deltaPeriod = service.settings().deltaPeriod();
        if (!deltaPeriod.isZero()) {
            scheduler.after(deltaPeriod, () -> deltaPeriodElapsed(deltaPeriod));
        }
        maintenance.start();
    }

    private void deltaPeriodElapsed(Duration period) {
        if (closed) {
            return;
        }
        DeltaCapture current = capture;
        if (current != null) {
            current.requestFlush();
        }
        scheduler.after(period, () -> deltaPeriodElapsed(period));
    }

    private void startCapture(String generationId, long fromRevision, MemberStatus status) {
        DeltaCapture next = service.newCapture(generationId, status, new DeltaCapture.Listener() {
            @Override
            public void onPublished(DeltaSegmentRef segment, int events, Duration took) {
                listener.deltaPublished(took, segment);
                recoveryPoint.durableUpTo(segment.lastRevision());
                chain.deltaPublished(segment, events, clock.instant());
                maintenance.segmentPublished();
            }

            @Override
            public void onPublishFailed(Exception error) {
                listener.deltaFailed();
            }

            @Override
            public void onUpToDate(long lastPublishedRevision) {
                listener.deltaUpToDate(lastPublishedRevision, clock.instant());
            }

            @Override
            public void onCompacted(long compactRevision) {
                scheduler.now(() -> restartAfterCompaction(compactRevision));
            }

            @Override
            public void onFenced(FencedWriterException fenced) {
                failure = fenced;
            }
        });
        next.start(fromRevision);
        chain.captureStarted(clock.instant());
        capture = next;
        generation = generationId;
    }

    private void restartAfterCompaction(long compactRevision) {
        if (closed) {
            return;
        }
        DeltaCapture broken = capture;
        long lastCaptured = broken.lastReceivedRevision();
        try {
            broken.close();
        } catch (IOException e) {
            LOG.warn("could not publish the deltas buffered before the compaction gap generation={}", broken.generation(), e);
        }
        capture = null;
        generation = null;
        try {
            MemberStatus status = service.memberStatus();
            FullSnapshotRef full = startGeneration("delta watch fell behind etcd compaction at revision " + compactRevision
                    + " (revisions after " + lastCaptured + " were not captured)");
            startCapture(full.generation(), full.revision() + 1, status);
        } catch (Exception e) {
            LOG.warn("could not start a new generation after compaction, retrying compact_revision={}", compactRevision, e);
            scheduler.after(Duration.ofSeconds(5), this::bootstrap);
        }
    }

    private void scheduleNextFull() {
        if (schedule.isEmpty() || closed) {
            return;
        }
        schedule.get().nextAfter(clock.instant()).ifPresent(next -> scheduler.at(next, () -> {
            scheduledFull();
            scheduleNextFull();
        }));
    }

    private void scheduledFull() {
        if (closed || generation == null) {
            return;
        }
        try {
            takeFull(generation);
        } catch (FencedWriterException fenced) {
            LOG.error("scheduled full snapshot not indexed: a newer writer holds the catalog", fenced);
            failure = fenced;
        } catch (Exception e) {
            LOG.warn("scheduled full snapshot failed generation={}", generation, e);
        }
    }

    /**
     * Stops capture and maintenance and publishes what is buffered. Control tasks still queued on
     * the scheduler find the backup closed and do nothing; one already running (a full snapshot)
     * finishes. Then waits, briefly, for an interrupted compaction or merge to clean up
     * ({@link MaintenanceSchedule#awaitStopped()}).
     */
    @Override
    public void close() throws IOException {
        closed = true;
        maintenance.close();
        try {
            DeltaCapture current = capture;
            if (current == null) {
                return;
            }
            current.close();
            String last = generation;
            if (finalFullOnClose && last != null && failure == null) {
                LOG.info("taking the final full snapshot generation={}", last);
                takeFull(last);
            }
        } finally {
            maintenance.awaitStopped(); // after the buffered deltas are published: they matter more
        }
    }
}
