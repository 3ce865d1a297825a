package io.etcdbackup.restore;

import java.time.Duration;
import java.util.Optional;

/**
 * How far the running restore of one {@link Restorer} has come, safe to read from any thread
 * (a status page) while the restore updates it.
 */
public final class RestoreProgress {

    /** What the restore is doing. */
    public enum Phase {
        IDLE, FETCHING_BASE, REPLAYING, FINISHING, DONE, FAILED
    }

    /**
     * A consistent reading.
     *
     * @param phase          what the restore is doing
     * @param bytesFetched   bytes downloaded and verified so far
     * @param totalBytes     bytes the plan reads
     * @param revision       the revision replayed up to (the base's before replay starts)
     * @param targetRevision the revision the restore ends at
     * @param revisionsPerSecond replay rate so far (0 before replay)
     * @param eta            expected time left for the replay, once a rate is known
     * @param elapsed        time since the restore started
     */
    public record Snapshot(Phase phase, long bytesFetched, long totalBytes, long revision, long targetRevision,
                           double revisionsPerSecond, Optional<Duration> eta, Duration elapsed) {
    }

    private Phase phase = Phase.IDLE;
    private long bytesFetched;
    private long totalBytes;
    private long baseRevision;
    private long revision;
    private long targetRevision;
    private long startedNanos;
    private long replayStartedNanos;

    /** Idle until a restore starts. */
    public RestoreProgress() {
    }

    synchronized void started(RestorePlan plan) {
        phase = Phase.FETCHING_BASE;
        bytesFetched = 0;
        totalBytes = plan.totalBytes();
        baseRevision = plan.full().revision();
        revision = baseRevision;
        targetRevision = plan.targetRevision();
        startedNanos = System.nanoTime();
        replayStartedNanos = 0;
    }

    synchronized void fetched(long bytes) {
        bytesFetched += bytes;
    }

    synchronized void replayStarted(long actualBaseRevision) {
        phase = Phase.REPLAYING;
        baseRevision = actualBaseRevision;
        revision = actualBaseRevision;
        replayStartedNanos = System.nanoTime();
    }

    synchronized void replayedUpTo(long replayed) {
        revision = replayed;
    }

    synchronized void finishing() {
        phase = Phase.FINISHING;
    }

    synchronized void finished(boolean succeeded) {
        phase = succeeded ? Phase.DONE : Phase.FAILED;
    }

    /** The current reading. */
    public synchronized Snapshot snapshot() {
        long now = System.nanoTime();
        Duration elapsed = phase == Phase.IDLE ? Duration.ZERO : Duration.ofNanos(now - startedNanos);
        double rate = 0;
        Optional<Duration> eta = Optional.empty();
        if (replayStartedNanos != 0) {
            double seconds = Math.max(1e-3, (now - replayStartedNanos) / 1e9);
            rate = (revision - baseRevision) / seconds;
            if (rate > 0 && phase == Phase.REPLAYING) {
                eta = Optional.of(Duration.ofMillis(Math.round(Math.max(0, targetRevision - revision) / rate * 1000)));
            }
        }
        return new Snapshot(phase, bytesFetched, totalBytes, revision, targetRevision, rate, eta, elapsed);
    }
}
