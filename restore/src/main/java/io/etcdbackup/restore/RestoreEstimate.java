package io.etcdbackup.restore;

import java.time.Duration;

/**
 * How long a plan is expected to take: download at {@code bytesPerSecond}, replay at
 * {@code revisionsPerSecond}, plus a fixed cost for etcd's tools and the scratch server. The
 * defaults are conservative figures from the benchmarks on this project's machines (etcd 3.4,
 * fsync on, see docs/performance.md); pass measured ones where known.
 *
 * @param bytesPerSecond     download and verification rate
 * @param revisionsPerSecond delta replay rate
 * @param fixed              tool runs and scratch server start
 */
public record RestoreEstimate(double bytesPerSecond, double revisionsPerSecond, Duration fixed) {

    /** About 800 revisions per second replayed and 50 MB/s fetched; 5 s of tool runs. */
    public static final RestoreEstimate DEFAULT = new RestoreEstimate(50e6, 800, Duration.ofSeconds(5));

    public RestoreEstimate {
        if (bytesPerSecond <= 0 || revisionsPerSecond <= 0) {
            throw new IllegalArgumentException("rates must be positive");
        }
    }

    /** Revisions the plan replays on top of its base (an upper bound: the base may hold some). */
    public static long revisionsToReplay(RestorePlan plan) {
        return Math.max(0, plan.targetRevision() - plan.full().revision());
    }

    /** The expected wall time of restoring {@code plan}. */
    public Duration of(RestorePlan plan) {
        return of(plan.totalBytes(), revisionsToReplay(plan));
    }

    /** The expected wall time of downloading {@code bytes} and replaying {@code revisions}. */
    public Duration of(long bytes, long revisions) {
        double seconds = bytes / bytesPerSecond + revisions / revisionsPerSecond;
        return fixed.plusMillis(Math.round(seconds * 1000));
    }
}
