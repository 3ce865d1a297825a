package io.etcdbackup.agent.backup;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;

/**
 * The recovery point: the newest instant at which every revision etcd had is durable in the
 * store. A restore of the latest state loses at most what was written after it, so
 * {@code now - recoveryPoint} is the data-loss window an operator alerts on.
 *
 * <p>It is derived from two kinds of facts: "etcd was at revision R at instant T" (a status read,
 * stamped with the instant <em>before</em> the call, when etcd's revision was at most R) and
 * "revisions up to P are durable" (a published segment or full snapshot). An observation becomes
 * the recovery point once its revision is durable. On an idle cluster every observation is
 * already durable, so the lag stays below the observation period instead of growing.
 *
 * <p>Thread-safe.
 */
public final class RecoveryPoint {

    /** Observations waiting for their revision to become durable; older ones are dropped first. */
    static final int MAX_PENDING = 256;

    private record Observation(long revision, Instant at) {
    }

    private final Deque<Observation> pending = new ArrayDeque<>();
    private long durableRevision;
    private Instant point;

    /** Etcd's revision was at most {@code revision} at {@code at}. */
    public synchronized void etcdObserved(long revision, Instant at) {
        if (revision <= durableRevision) {
            advanceTo(at);
            return;
        }
        // A newer observation of a revision no higher than earlier ones becomes durable no later
        // than they do, with a newer instant: it supersedes them.
        while (!pending.isEmpty() && pending.peekLast().revision() >= revision) {
            pending.removeLast();
        }
        if (pending.size() == MAX_PENDING) {
            pending.removeFirst();
        }
        pending.addLast(new Observation(revision, at));
    }

    /** Every revision up to {@code revision} is durable in the store. */
    public synchronized void durableUpTo(long revision) {
        durableRevision = Math.max(durableRevision, revision);
        while (!pending.isEmpty() && pending.peekFirst().revision() <= durableRevision) {
            advanceTo(pending.removeFirst().at());
        }
    }

    private void advanceTo(Instant at) {
        if (point == null || at.isAfter(point)) {
            point = at;
        }
    }

    /** The recovery point; empty until an observation of etcd's revision became durable. */
    public synchronized Optional<Instant> instant() {
        return Optional.ofNullable(point);
    }

    /** {@code now} minus the recovery point (never negative); empty while it is unknown. */
    public Optional<Duration> lag(Instant now) {
        return instant().map(p -> p.isAfter(now) ? Duration.ZERO : Duration.between(p, now));
    }
}
