package io.etcdbackup.agent.backup;

import io.etcdbackup.restore.RestoreEstimate;
import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
import io.etcdbackup.snapshot.catalog.FullSnapshotRef;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The chain a restore of the latest state replays, as one backup saw it grow: the newest full
 * snapshot (the base), the delta segments, events and bytes published since, and the last delta
 * segment. A new base resets the counters. Pure bookkeeping: no I/O, no clock.
 *
 * <p>Thread-safe: written on the control, capture and compaction threads, read by status pages.
 */
final class ChainTracker {

    private FullSnapshotRef latestFull;
    private DeltaSegmentRef lastDelta;
    private Instant lastDeltaAt;
    private long deltasSinceFull;
    private long eventsSinceFull;
    private long bytesSinceFull;

    /** A full snapshot was taken: it is the new base, and nothing follows it yet. */
    synchronized void fullTaken(FullSnapshotRef full) {
        latestFull = full;
        deltasSinceFull = 0;
        eventsSinceFull = 0;
        bytesSinceFull = 0;
    }

    /**
     * Capture continues a chain it did not (all) capture: {@code full} is the base, {@code deltas}
     * the segments after it, {@code lastRevision} the chain's last revision. Events of segments
     * this backup did not capture are not in the index: the revisions stand in (a lower bound).
     */
    synchronized void continued(FullSnapshotRef full, List<DeltaSegmentRef> deltas, long lastRevision) {
        latestFull = full;
        deltasSinceFull = deltas.size();
        bytesSinceFull = deltas.stream().mapToLong(DeltaSegmentRef::size).sum();
        eventsSinceFull = Math.max(0, lastRevision - full.revision());
    }

    /** Capture started at {@code at}: the time since the last delta counts from here. */
    synchronized void captureStarted(Instant at) {
        lastDeltaAt = at;
    }

    /** {@code segment}, holding {@code events} events, was published at {@code at}. */
    synchronized void deltaPublished(DeltaSegmentRef segment, int events, Instant at) {
        lastDelta = segment;
        lastDeltaAt = at;
        deltasSinceFull++;
        eventsSinceFull += events;
        bytesSinceFull += segment.size();
    }

    /**
     * Whether {@code full} (of the chain's generation, made by a compaction) is newer than the
     * current base, so that {@link #rebase} would take it.
     */
    synchronized boolean isNewerBase(FullSnapshotRef full) {
        return latestFull == null || latestFull.revision() < full.revision();
    }

    /**
     * A compaction folded the chain into {@code full}; {@code after} are the segments the index
     * holds after it. Ignored unless {@code full} is newer than the current base (a full snapshot
     * taken meanwhile wins). Events after the new base are counted as revisions (a lower bound).
     *
     * @return whether {@code full} became the base
     */
    synchronized boolean rebase(FullSnapshotRef full, List<DeltaSegmentRef> after) {
        if (!isNewerBase(full)) {
            return false;
        }
        latestFull = full;
        deltasSinceFull = after.size();
        bytesSinceFull = after.stream().mapToLong(DeltaSegmentRef::size).sum();
        eventsSinceFull = after.isEmpty() ? 0 : after.get(after.size() - 1).lastRevision() - full.revision();
        return true;
    }

    /** The newest full snapshot, if any. */
    synchronized Optional<FullSnapshotRef> latestFull() {
        return Optional.ofNullable(latestFull);
    }

    /** The last delta segment published (any generation). */
    synchronized Optional<DeltaSegmentRef> lastDelta() {
        return Optional.ofNullable(lastDelta);
    }

    /** When the last delta segment was published, or capture started if none was since. */
    synchronized Optional<Instant> lastDeltaAt() {
        return Optional.ofNullable(lastDeltaAt);
    }

    /**
     * The chain a restore of the latest state would replay, {@code lastPublishedRevision} being
     * the last revision durable in the store; {@link ChainStats#EMPTY} before there is a base.
     */
    synchronized ChainStats chain(long lastPublishedRevision) {
        if (latestFull == null) {
            return ChainStats.EMPTY;
        }
        long revisions = Math.max(0, lastPublishedRevision - latestFull.revision());
        long events = Math.max(eventsSinceFull, 0);
        return new ChainStats((int) deltasSinceFull, events, bytesSinceFull, revisions,
                RestoreEstimate.DEFAULT.of(latestFull.size() + bytesSinceFull, revisions));
    }
}
