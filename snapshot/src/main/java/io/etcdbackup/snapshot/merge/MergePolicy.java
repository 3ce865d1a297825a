package io.etcdbackup.snapshot.merge;

import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
import io.etcdbackup.snapshot.catalog.Generation;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;

/**
 * Which delta segments to merge, in levels like a log-structured merge: {@code fanIn}
 * consecutive segments of level {@code L} become one segment of level {@code L + 1}. Segments
 * as captured are level 0; nothing is merged into a level above {@code maxLevel}. So a day of
 * 1-second segments ends as a few dozen objects, and each revision is rewritten at most
 * {@code maxLevel} times.
 *
 * <p>A run to merge is {@code fanIn} segments of one generation that are consecutive in its
 * index, all of the same level below {@code maxLevel}, contiguous (each starts at the revision
 * after the previous one's last, so the run has no gap and no overlap and the merged segment
 * holds exactly the revisions they held), all published at least {@code minAge} ago (the live
 * tail stays as captured), and together no larger in the store than {@code maxSegmentBytes}. A
 * run may cross a full snapshot: point-in-time restore from an older base still needs its deltas.
 *
 * <p>A policy is a pure function of a generation and an instant, like a retention policy: it
 * reads no clock and no store.
 *
 * @param fanIn           segments merged into one, at least 2
 * @param maxLevel        the highest level a merge produces, at least 1
 * @param maxSegmentBytes the most event bytes (uncompressed) a merged segment may hold: a restore
 *                        holds one segment's events in memory per fetcher. The policy checks the
 *                        originals' stored sizes against it (a stored segment is larger than its
 *                        content only by a few hundred bytes of header); the merger checks their
 *                        content and merges only a part of the run that fits
 * @param minAge          segments published less than this long ago are not merged
 */
public record MergePolicy(int fanIn, int maxLevel, long maxSegmentBytes, Duration minAge) {

    /** Merge ten segments into one. */
    public static final int DEFAULT_FAN_IN = 10;
    /** Up to ten thousand captured segments in one merged segment. */
    public static final int DEFAULT_MAX_LEVEL = 4;
    /** 64 MiB: what capture's default memory limit lets one captured segment hold. */
    public static final long DEFAULT_MAX_SEGMENT_BYTES = 64L * 1024 * 1024;
    /** Ten minutes: the newest segments stay as captured. */
    public static final Duration DEFAULT_MIN_AGE = Duration.ofMinutes(10);

    /**
     * @throws IllegalArgumentException naming the parameter and the value when one is out of range
     */
    public MergePolicy {
        Objects.requireNonNull(minAge, "minAge");
        if (fanIn < 2) {
            throw new IllegalArgumentException("fan-in must be at least 2, got " + fanIn);
        }
        if (maxLevel < 1) {
            throw new IllegalArgumentException("max level must be at least 1, got " + maxLevel);
        }
        if (maxSegmentBytes < 1) {
            throw new IllegalArgumentException("max segment bytes must be positive, got " + maxSegmentBytes);
        }
        if (minAge.isNegative()) {
            throw new IllegalArgumentException("min age must not be negative, got " + minAge);
        }
    }

    /** The defaults: fan-in 10, max level 4, 64 MiB, 10 minutes. */
    public static MergePolicy defaults() {
        return new MergePolicy(DEFAULT_FAN_IN, DEFAULT_MAX_LEVEL, DEFAULT_MAX_SEGMENT_BYTES, DEFAULT_MIN_AGE);
    }

    /**
     * The runs of {@code generation} to merge now, oldest first; each is {@code fanIn} segments in
     * index order, and no segment is in two runs. Walking the index oldest first, a run is
     * started afresh at every segment that does not continue the one before (another level, a
     * gap, an overlap); a segment that is too young or already at {@code maxLevel} ends the run
     * before it; and while the run's stored size exceeds {@code maxSegmentBytes} its oldest
     * segment is left out (it stays unmerged at its level).
     *
     * @param now the instant the decision is made for (the caller's clock)
     */
    public List<List<DeltaSegmentRef>> runs(Generation generation, Instant now) {
        Instant youngest = now.minus(minAge);
        List<List<DeltaSegmentRef>> runs = new ArrayList<>();
        Deque<DeltaSegmentRef> run = new ArrayDeque<>();
        long runBytes = 0;
        for (DeltaSegmentRef segment : generation.deltas()) {
            boolean eligible = segment.level() < maxLevel && segment.publishedAt() != null && !segment.publishedAt().isAfter(youngest);
            if (!eligible || !run.isEmpty() && !continues(run.getLast(), segment)) {
                run.clear();
                runBytes = 0;
            }
            if (!eligible) {
                continue;
            }
            run.addLast(segment);
            runBytes += segment.size();
            while (runBytes > maxSegmentBytes) {
                runBytes -= run.removeFirst().size();
            }
            if (run.size() == fanIn) {
                runs.add(List.copyOf(run));
                run.clear();
                runBytes = 0;
            }
        }
        return runs;
    }

    /** Whether {@code next} extends a run ending with {@code last}: same level, the very next revision. */
    static boolean continues(DeltaSegmentRef last, DeltaSegmentRef next) {
        return next.level() == last.level() && next.firstRevision() == last.lastRevision() + 1;
    }
}
