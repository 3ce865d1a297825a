package io.etcdbackup.agent.backup;

import io.etcdbackup.agent.metrics.BackupMetrics;
import io.etcdbackup.agent.schedule.CronSchedule;
import io.etcdbackup.compaction.Compactor;
import io.etcdbackup.restore.RestoreEstimate;
import io.etcdbackup.agent.schedule.TaskScheduler;
import io.etcdbackup.snapshot.maintenance.ClusterDefragmenter;
import io.etcdbackup.snapshot.merge.MergeRunner;
import io.etcdbackup.snapshot.maintenance.DefragReport;
import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
import io.etcdbackup.snapshot.catalog.FencedWriterException;
import io.etcdbackup.snapshot.catalog.FullSnapshotRef;
import io.etcdbackup.snapshot.catalog.Generation;
import io.etcdbackup.snapshot.capture.Continuity;
import io.etcdbackup.snapshot.capture.DeltaCapture;
import io.etcdbackup.snapshot.etcd.MemberStatus;
import io.etcdbackup.snapshot.retention.RetentionPolicy;
import io.etcdbackup.snapshot.retention.RetentionRunner;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One writer's capture loop: continues the newest generation (or starts one), captures deltas
 * continuously and publishes them every delta period, takes full snapshots on the cron schedule
 * without pausing deltas, applies retention every period, starts a new generation when the watch
 * falls behind compaction, and retries with backoff while etcd or the store is unreachable.
 *
 * <p>Every "when" comes from the {@link TaskScheduler} (and its clock): tests drive the schedules
 * with a virtual clock. The control tasks (start-up, full snapshots, retention) run one at a time
 * on the scheduler; delta segments are published on the capture's own thread, so a long full
 * snapshot does not hold deltas back. {@link #close()} publishes the buffered deltas.
 */
public final class ContinuousBackup implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ContinuousBackup.class);

    private final BackupService service;
    private final Optional<CronSchedule> schedule;
    private final TaskScheduler scheduler;
    private final Clock clock;
    private final BackupMetrics metrics;
    private volatile DeltaCapture capture;
    private volatile String generation;
    private volatile boolean closed;
    private volatile Throwable failure;
    // What the HTTP API and the metrics report; written on the capture and scheduler threads.
    private volatile FullSnapshotRef latestFull;
    private volatile DeltaSegmentRef lastDelta;
    private volatile Instant lastDeltaAt;
    private final RecoveryPoint recoveryPoint = new RecoveryPoint();
    private volatile long deltasSinceFull;
    private volatile long eventsSinceFull;
    private volatile long bytesSinceFull;
    private CompactionThresholds compactionThresholds;
    private Compactor compactor;
    private ExecutorService compactionThread;
    private final AtomicBoolean compacting = new AtomicBoolean();
    private volatile CompactionOutcome lastCompaction;
    private MergeRunner merger;
    private Duration mergePeriod;
    private int startAttempts;
    private boolean periodicTasksStarted;
    private volatile boolean finalFullOnClose;

    private CronSchedule defragSchedule;
    private ClusterDefragmenter defragmenter;
    private RetentionRunner retention;
    private Duration retentionPeriod;
    private long retentionRuns;

    /**
     * @param schedule  when full snapshots are due; empty for none besides the first of each
     *                  generation
     * @param scheduler runs the control tasks; its clock is the backup's clock
     */
    public ContinuousBackup(BackupService service, Optional<CronSchedule> schedule, TaskScheduler scheduler, BackupMetrics metrics) {
        this.service = service;
        this.schedule = schedule;
        this.scheduler = scheduler;
        this.clock = scheduler.clock();
        this.metrics = metrics;
    }

    /**
     * Runs retention every {@code period} once capture has started (call before {@link #start()}).
     * Orphans (objects never indexed) are collected every 60th run, as that lists the whole store.
     */
    public void retainWith(RetentionPolicy policy, Duration grace, Duration period) {
        this.retention = new RetentionRunner(service.catalog(), policy, grace, clock);
        this.retentionPeriod = period;
    }

    /**
     * Makes {@link #close()} take a full snapshot after publishing the buffered deltas (so a
     * restore after shutdown starts from one object).
     */
    public void takeFinalFullOnClose() {
        this.finalFullOnClose = true;
    }

    /**
     * Defragments the cluster's members (learners and followers first, the leader last) on
     * {@code schedule} once capture has started (call before {@link #start()}). It runs on the
     * scheduler, so never during a full snapshot.
     */
    public void defragmentWith(CronSchedule schedule, ClusterDefragmenter defragmenter) {
        this.defragSchedule = schedule;
        this.defragmenter = defragmenter;
    }

    /** Begins on the scheduler; failures to reach etcd or the store are retried. */
    public void start() {
        scheduler.now(this::bootstrap);
    }

    /** Why capture stopped for good (fenced by another writer), if it did. */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure);
    }

    /** The generation being captured, once started. */
    public Optional<String> generation() {
        return Optional.ofNullable(generation);
    }

    /** Whether deltas are being captured: started, not failed, not closed. */
    public boolean isCapturing() {
        return capture != null && failure == null && !closed;
    }

    /** The last revision durable in the store, or 0 before the first segment. */
    public long lastPublishedRevision() {
        DeltaCapture current = capture;
        return current == null ? 0 : current.lastPublishedRevision();
    }

    /** The last revision received from etcd (buffered or published), or 0 before capture. */
    public long lastReceivedRevision() {
        DeltaCapture current = capture;
        return current == null ? 0 : current.lastReceivedRevision();
    }

    /** The newest full snapshot of the current generation this process took or continued from. */
    public Optional<FullSnapshotRef> latestFull() {
        return Optional.ofNullable(latestFull);
    }

    /** The last delta segment this process published (any generation). */
    public Optional<DeltaSegmentRef> lastDelta() {
        return Optional.ofNullable(lastDelta);
    }

    /** Delta segments this process published since its newest full snapshot. */
    public long deltasSinceFull() {
        return deltasSinceFull;
    }

    /**
     * What a compaction run did, for status pages.
     *
     * @param finishedAt when it ended
     * @param trigger    which threshold started it
     * @param result     what it did, if it did not fail
     * @param failure    why it failed, if it did
     */
    public record CompactionOutcome(Instant finishedAt, String trigger, Optional<Compactor.Result> result, Optional<String> failure) {
    }

    /**
     * Folds the chain into a new base with {@code compactor} (offline, from the store, in the
     * background: capture goes on) whenever it passes {@code thresholds}; at most one at a time.
     * Call before {@link #start()}.
     */
    public void compactWith(CompactionThresholds thresholds, Compactor compactor) {
        this.compactionThresholds = thresholds;
        this.compactor = compactor;
        startCompactionThread();
    }

    /**
     * Merges small delta segments into larger ones with {@code merger} every {@code period}, on
     * the compaction thread (so never at the same time as a compaction). Call before
     * {@link #start()}, after {@link #compactWith} if both are wanted.
     */
    public void mergeWith(MergeRunner merger, Duration period) {
        this.merger = merger;
        this.mergePeriod = period;
        startCompactionThread();
    }

    /** The one background thread compaction and merging share (so they never run at once). */
    private void startCompactionThread() {
        if (compactionThread == null) {
            compactionThread = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "compaction");
                t.setDaemon(true);
                return t;
            });
        }
    }

    private void scheduleNextMerge() {
        if (merger == null || closed) {
            return;
        }
        scheduler.after(mergePeriod, () -> {
            if (closed) {
                return;
            }
            try {
                compactionThread.execute(this::runMerge);
            } catch (RejectedExecutionException closing) {
                return;
            }
            scheduleNextMerge();
        });
    }

    private void runMerge() {
        try {
            MergeRunner.Result result = merger.run();
            if (result.merges() > 0) {
                LOG.info("segments merged merges={} segments_before={} segments_after={} bytes_written={}", result.merges(),
                        result.segmentsBefore(), result.segmentsAfter(), result.bytesWritten());
            }
        } catch (FencedWriterException fenced) {
            LOG.error("segment merging stopped: {}", fenced.getMessage());
            failure = fenced;
        } catch (Exception e) {
            LOG.warn("segment merging failed, retried next period", e);
        }
    }

    /** The chain a restore of the latest state would replay now. */
    public ChainStats chain() {
        FullSnapshotRef full = latestFull;
        if (full == null) {
            return ChainStats.EMPTY;
        }
        long revisions = Math.max(0, lastPublishedRevision() - full.revision());
        long events = Math.max(eventsSinceFull, 0);
        return new ChainStats((int) deltasSinceFull, events, bytesSinceFull, revisions,
                RestoreEstimate.DEFAULT.of(full.size() + bytesSinceFull, revisions));
    }

    /** The last compaction this backup ran, if any. */
    public Optional<CompactionOutcome> lastCompaction() {
        return Optional.ofNullable(lastCompaction);
    }

    private void maybeCompact() {
        if (compactor == null || closed) {
            return;
        }
        Optional<String> passed = compactionThresholds.passedBy(chain());
        if (passed.isEmpty() || !compacting.compareAndSet(false, true)) {
            return;
        }
        LOG.info("compaction triggered: {}", passed.get());
        try {
            compactionThread.execute(() -> runCompaction(passed.get()));
        } catch (RejectedExecutionException closing) {
            compacting.set(false);
        }
    }

    private void runCompaction(String trigger) {
        try {
            Compactor.Result result = compactor.compact();
            lastCompaction = new CompactionOutcome(clock.instant(), trigger, Optional.of(result), Optional.empty());
            metrics.compacted(result.took(), true);
            result.full().ifPresent(this::rebaseOn);
        } catch (Exception e) {
            LOG.warn("compaction failed (the chain is unchanged; retried when the next segment passes a threshold): {}", e.toString());
            lastCompaction = new CompactionOutcome(clock.instant(), trigger, Optional.empty(), Optional.of(e.toString()));
            metrics.compacted(Duration.ZERO, false);
        } finally {
            compacting.set(false);
        }
    }

    /** After a compaction: the new base, and the chain after it as the index tells. */
    private void rebaseOn(FullSnapshotRef full) {
        FullSnapshotRef current = latestFull;
        if (current != null && current.revision() >= full.revision() || !full.generation().equals(generation)) {
            return; // a newer full snapshot was taken meanwhile, or a new generation began
        }
        try {
            List<DeltaSegmentRef> after = service.catalog().generations().stream().filter(g -> g.id().equals(full.generation()))
                    .findFirst().map(g -> g.deltasAfter(full.revision())).orElse(List.of());
            latestFull = full;
            deltasSinceFull = after.size();
            bytesSinceFull = after.stream().mapToLong(DeltaSegmentRef::size).sum();
            eventsSinceFull = after.isEmpty() ? 0 : after.get(after.size() - 1).lastRevision() - full.revision();
        } catch (IOException e) {
            LOG.warn("could not read the chain after the new base", e);
        }
    }

    /**
     * Records that etcd's revision was at most {@code revision} at {@code at} (a status read,
     * stamped before the call), for the {@linkplain #recoveryPointLag recovery point}. The leader
     * gate reports each of its checks.
     */
    public void etcdObserved(long revision, Instant at) {
        recoveryPoint.etcdObserved(revision, at);
    }

    /**
     * How far the store is behind etcd, in time: now minus the newest instant at which every
     * revision etcd had is durable. Empty while capture is not running or before the first
     * observation became durable.
     */
    public Optional<Duration> recoveryPointLag() {
        return isCapturing() ? recoveryPoint.lag(clock.instant()) : Optional.empty();
    }

    /**
     * When the last delta segment was published, or when capture started if none was yet; empty
     * while capture is not running.
     */
    public Optional<Instant> lastDeltaPublishedAt() {
        return capture == null ? Optional.empty() : Optional.ofNullable(lastDeltaAt);
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
        return lastDelta();
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
        try {
            return fullTaken(call.take(), started);
        } catch (IOException | RuntimeException e) {
            metrics.snapshotFailed(BackupMetrics.Kind.FULL, Duration.ofNanos(System.nanoTime() - started));
            throw e;
        }
    }

    private FullSnapshotRef fullTaken(FullSnapshotRef full, long startedNanos) {
        recoveryPoint.durableUpTo(full.revision());
        metrics.snapshotTaken(BackupMetrics.Kind.FULL, Duration.ofNanos(System.nanoTime() - startedNanos), full.size());
        latestFull = full;
        deltasSinceFull = 0;
        eventsSinceFull = 0;
        bytesSinceFull = 0;
        return full;
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
                latestFull = current.latestFull().get();
                List<DeltaSegmentRef> chain = current.deltasAfter(latestFull.revision());
                deltasSinceFull = chain.size();
                bytesSinceFull = chain.stream().mapToLong(DeltaSegmentRef::size).sum();
                // Events of segments this agent did not capture are not in the index: revisions are a lower bound.
                eventsSinceFull = Math.max(0, decision.lastRevision() - latestFull.revision());
                Instant lastFull = latestFull.createdAt();
                if (schedule.map(s -> s.isOverdue(lastFull, clock.instant())).orElse(false)) {
                    LOG.info("newest full snapshot from {} missed a scheduled time; taking one now", lastFull);
                    scheduler.now(this::scheduledFull);
                }
            } else {
                FullSnapshotRef full = startGeneration(decision.reason());
                startCapture(full.generation(), full.revision() + 1, status);
            }
            startAttempts = 0;
            startPeriodicTasks();
        } catch (FencedWriterException fenced) {
            LOG.error("backup not started: {}", fenced.getMessage());
            failure = fenced;
        } catch (Exception e) {
            long delay = Math.min(60, 1L << Math.min(++startAttempts, 6));
            LOG.warn("backup not started, retrying in {} s", delay, e);
            scheduler.after(Duration.ofSeconds(delay), this::bootstrap);
        }
    }

    private void startPeriodicTasks() {
        if (periodicTasksStarted) {
            return;
        }
        periodicTasksStarted = true;
        scheduleNextFull();
        Duration deltaPeriod = service.settings().delta().flushPeriod();
        if (!deltaPeriod.isZero()) {
            scheduler.after(deltaPeriod, () -> deltaPeriodElapsed(deltaPeriod));
        }
        if (retention != null) {
            scheduler.after(retentionPeriod, this::runRetention);
        }
        scheduleNextDefrag();
        scheduleNextMerge();
    }

    private void scheduleNextDefrag() {
        if (defragSchedule == null || closed) {
            return;
        }
        defragSchedule.nextAfter(clock.instant()).ifPresent(next -> scheduler.at(next, () -> {
            runDefrag();
            scheduleNextDefrag();
        }));
    }

    private void runDefrag() {
        if (closed) {
            return;
        }
        long started = System.nanoTime();
        try {
            DefragReport report = defragmenter.defragment();
            metrics.defragmented(report.duration(), report.succeeded());
            LOG.info("defragmentation finished succeeded={} reclaimed_bytes={} members={}", report.succeeded(),
                    report.reclaimedBytes(), report.members().size());
        } catch (RuntimeException e) {
            metrics.defragmented(Duration.ofNanos(System.nanoTime() - started), false);
            LOG.warn("defragmentation not run: {}", e.toString());
        }
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

    private void runRetention() {
        if (closed) {
            return;
        }
        try {
            metrics.retentionRan(retention.run(retentionRuns++ % 60 == 0));
        } catch (FencedWriterException fenced) {
            LOG.error("retention stopped: {}", fenced.getMessage());
            failure = fenced;
            return;
        } catch (Exception e) {
            LOG.warn("retention failed, retried next period: {}", e.toString());
        }
        scheduler.after(retentionPeriod, this::runRetention);
    }

    private void startCapture(String generationId, long fromRevision, MemberStatus status) {
        DeltaCapture next = service.newCapture(generationId, status, new DeltaCapture.Listener() {
            @Override
            public void onPublished(DeltaSegmentRef segment, int events, Duration took) {
                metrics.snapshotTaken(BackupMetrics.Kind.DELTA, took, segment.size());
                lastDelta = segment;
                recoveryPoint.durableUpTo(segment.lastRevision());
                lastDeltaAt = clock.instant();
                deltasSinceFull++;
                eventsSinceFull += events;
                bytesSinceFull += segment.size();
                maybeCompact();
            }

            @Override
            public void onPublishFailed(Exception error) {
                metrics.snapshotFailed(BackupMetrics.Kind.DELTA, Duration.ZERO);
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
        lastDeltaAt = clock.instant();
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
            LOG.warn("could not publish the deltas buffered before the compaction gap: {}", e.toString());
        }
        capture = null;
        generation = null;
        try {
            MemberStatus status = service.memberStatus();
            FullSnapshotRef full = startGeneration("delta watch fell behind etcd compaction at revision " + compactRevision
                    + " (revisions after " + lastCaptured + " were not captured)");
            startCapture(full.generation(), full.revision() + 1, status);
        } catch (Exception e) {
            LOG.warn("could not start a new generation after compaction, retrying: {}", e.toString());
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
            LOG.error("scheduled full snapshot not indexed: {}", fenced.getMessage());
            failure = fenced;
        } catch (Exception e) {
            LOG.warn("scheduled full snapshot failed: {}", e.toString());
        }
    }

    /**
     * Stops capture and publishes what is buffered. Control tasks still queued on the scheduler
     * find the backup closed and do nothing; one already running (a full snapshot) finishes.
     */
    @Override
    public void close() throws IOException {
        closed = true;
        if (compactionThread != null) {
            compactionThread.shutdownNow(); // a running compaction is interrupted; its scratch files are removed
        }
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
    }
}
