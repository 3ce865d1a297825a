package io.etcdbackup.agent.backup;

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
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The sidecar's capture loop: continues the newest generation (or starts one), captures deltas
 * continuously, takes full snapshots on the cron schedule without pausing deltas, starts a new
 * generation when the watch falls behind compaction, and retries with backoff while etcd or the
 * store is unreachable. {@link #close()} publishes the buffered deltas.
 */
public final class ContinuousBackup implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ContinuousBackup.class);

    private final BackupService service;
    private final Optional<FullSchedule> schedule;
    private final Clock clock;
    private final ScheduledExecutorService control;
    private volatile DeltaCapture capture;
    private volatile String generation;
    private volatile boolean closed;
    private volatile Throwable failure;
    // What the HTTP API and the metrics report; written on the capture and control threads.
    private volatile FullSnapshotRef latestFull;
    private volatile DeltaSegmentRef lastDelta;
    private volatile Instant lastDeltaAt;
    private int startAttempts;

    public ContinuousBackup(BackupService service, Optional<FullSchedule> schedule, Clock clock) {
        this.service = service;
        this.schedule = schedule;
        this.clock = clock;
        this.control = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "backup-control");
            t.setDaemon(true);
            return t;
        });
    }

    private RetentionRunner retention;
    private Duration retentionPeriod;
    private long retentionRuns;

    /**
     * Runs retention every {@code period} once capture has started (call before {@link #start()}).
     * Orphans (objects never indexed) are collected every 60th run, as that lists the whole store.
     */
    public void retainWith(RetentionPolicy policy, Duration grace, Duration period) {
        this.retention = new RetentionRunner(service.catalog(), policy, grace, clock);
        this.retentionPeriod = period;
    }

    /** Begins in the background; failures to reach etcd or the store are retried. */
    public void start() {
        control.execute(this::bootstrap);
        if (retention != null) {
            control.scheduleWithFixedDelay(this::runRetention, retentionPeriod.toMillis(), retentionPeriod.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void runRetention() {
        if (closed || generation == null) {
            return;
        }
        try {
            retention.run(retentionRuns++ % 60 == 0);
        } catch (FencedWriterException fenced) {
            LOG.error("retention stopped: {}", fenced.getMessage());
            failure = fenced;
        } catch (Exception e) {
            LOG.warn("retention failed, retried next period: {}", e.toString());
        }
    }

    /** Why capture stopped for good (fenced by another writer), if it did. */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure);
    }

    /** The generation being captured, once started. */
    public Optional<String> generation() {
        return Optional.ofNullable(generation);
    }

    /** The last revision durable in the store, or 0 before the first segment. */
    public long lastPublishedRevision() {
        DeltaCapture current = capture;
        return current == null ? 0 : current.lastPublishedRevision();
    }

    /** The newest full snapshot of the current generation this process took or continued from. */
    public Optional<FullSnapshotRef> latestFull() {
        return Optional.ofNullable(latestFull);
    }

    /** The last delta segment this process published (any generation). */
    public Optional<DeltaSegmentRef> lastDelta() {
        return Optional.ofNullable(lastDelta);
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
     * @throws IllegalStateException if capture has not started
     * @throws IOException           if etcd did not deliver the revisions within {@code timeout},
     *                               or the store refused the segment
     */
    public Optional<DeltaSegmentRef> takeDeltaNow(Duration timeout) throws IOException, InterruptedException {
        DeltaCapture current = capture;
        if (current == null) {
            throw new IllegalStateException("capture has not started yet");
        }
        long revision = service.memberStatus().revision();
        if (!current.awaitReceived(revision, timeout)) {
            throw new IOException("watch did not deliver revisions up to " + revision + " within " + timeout);
        }
        current.flush();
        return lastDelta();
    }

    /** Publishes buffered deltas now. */
    public long flushDeltas() throws IOException {
        DeltaCapture current = capture;
        if (current == null) {
            throw new IllegalStateException("capture has not started yet");
        }
        return current.flush();
    }

    /** Takes a full snapshot now (on the control thread), returning when it is published. */
    public FullSnapshotRef takeFullNow() throws Exception {
        return control.submit(() -> fullTaken(service.takeFull(requireGeneration()))).get();
    }

    private FullSnapshotRef fullTaken(FullSnapshotRef full) {
        latestFull = full;
        return full;
    }

    private String requireGeneration() {
        if (generation == null) {
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
                startCapture(current.id(), decision.lastRevision() + 1, status);
                latestFull = current.latestFull().get();
                Instant lastFull = current.latestFull().get().createdAt();
                if (schedule.map(s -> s.isOverdue(lastFull, clock.instant())).orElse(false)) {
                    LOG.info("newest full snapshot from {} missed a scheduled time; taking one now", lastFull);
                    control.execute(this::scheduledFull);
                }
            } else {
                FullSnapshotRef full = fullTaken(service.startGeneration(decision.reason()));
                startCapture(full.generation(), full.revision() + 1, status);
            }
            startAttempts = 0;
            scheduleNextFull();
        } catch (FencedWriterException fenced) {
            LOG.error("backup not started: {}", fenced.getMessage());
            failure = fenced;
        } catch (Exception e) {
            long delay = Math.min(60, 1L << Math.min(++startAttempts, 6));
            LOG.warn("backup not started, retrying in {} s: {}", delay, e.toString());
            control.schedule(this::bootstrap, delay, TimeUnit.SECONDS);
        }
    }

    private void startCapture(String generationId, long fromRevision, MemberStatus status) {
        DeltaCapture next = service.newCapture(generationId, status, new DeltaCapture.Listener() {
            @Override
            public void onPublished(DeltaSegmentRef segment) {
                lastDelta = segment;
                lastDeltaAt = clock.instant();
            }

            @Override
            public void onCompacted(long compactRevision) {
                control.execute(() -> restartAfterCompaction(compactRevision));
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
            FullSnapshotRef full = service.startGeneration("delta watch fell behind etcd compaction at revision " + compactRevision
                    + " (revisions after " + lastCaptured + " were not captured)");
            fullTaken(full);
            startCapture(full.generation(), full.revision() + 1, status);
        } catch (Exception e) {
            LOG.warn("could not start a new generation after compaction, retrying: {}", e.toString());
            control.schedule(this::bootstrap, 5, TimeUnit.SECONDS);
        }
    }

    private void scheduleNextFull() {
        if (schedule.isEmpty() || closed) {
            return;
        }
        Instant now = clock.instant();
        schedule.get().nextAfter(now).ifPresent(next -> {
            long delay = Math.max(0, Duration.between(now, next).toMillis());
            control.schedule(() -> {
                scheduledFull();
                scheduleNextFull();
            }, delay, TimeUnit.MILLISECONDS);
        });
    }

    private void scheduledFull() {
        if (closed || generation == null) {
            return;
        }
        try {
            fullTaken(service.takeFull(generation));
        } catch (FencedWriterException fenced) {
            LOG.error("scheduled full snapshot not indexed: {}", fenced.getMessage());
            failure = fenced;
        } catch (Exception e) {
            LOG.warn("scheduled full snapshot failed: {}", e.toString());
        }
    }

    /** Stops capture and publishes what is buffered. */
    @Override
    public void close() throws IOException {
        closed = true;
        control.shutdownNow();
        try {
            control.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        DeltaCapture current = capture;
        if (current != null) {
            current.close();
        }
    }
}
