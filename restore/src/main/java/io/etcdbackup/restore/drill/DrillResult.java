package io.etcdbackup.restore.drill;

import java.time.Duration;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * What a restore drill concluded. A mismatch is not a result but a {@link DrillMismatchException}.
 *
 * @param verdict         passed, or inconclusive (the two histories could not be hashed at the
 *                        same revision and compaction point)
 * @param generation      the generation whose latest chain was restored
 * @param revision        the revision compared (the restored member's revision), or the one the
 *                        drill aimed at when it was inconclusive
 * @param hash            etcd's {@code HashKV} at {@code revision}, equal on both sides; empty
 *                        when inconclusive
 * @param compactRevision the compaction point both sides were hashed at, as etcd reports it (-1:
 *                        never compacted); meaningful only when passed
 * @param reason          why the drill was inconclusive; empty when passed
 * @param took            wall time, restore included
 */
public record DrillResult(Verdict verdict, String generation, long revision, OptionalLong hash, long compactRevision,
                          String reason, Duration took) {

    /** How a drill that found no mismatch ended. */
    public enum Verdict {
        /** etcd's hash of the MVCC history is the same on the live cluster and the restored backup. */
        PASSED,
        /** The hashes could not be compared; {@link #reason()} says why. Neither a pass nor a failure. */
        INCONCLUSIVE
    }

    public DrillResult {
        Objects.requireNonNull(verdict, "verdict");
        Objects.requireNonNull(hash, "hash");
        Objects.requireNonNull(reason, "reason");
        if (verdict == Verdict.PASSED && hash.isEmpty()) {
            throw new IllegalArgumentException("a passed drill has a hash");
        }
        if (verdict == Verdict.INCONCLUSIVE && reason.isBlank()) {
            throw new IllegalArgumentException("an inconclusive drill has a reason");
        }
    }

    static DrillResult passed(String generation, long revision, long hash, long compactRevision, Duration took) {
        return new DrillResult(Verdict.PASSED, generation, revision, OptionalLong.of(hash), compactRevision, "", took);
    }

    static DrillResult inconclusive(String generation, long revision, String reason, Duration took) {
        return new DrillResult(Verdict.INCONCLUSIVE, generation, revision, OptionalLong.empty(), 0, reason, took);
    }

    /** One line for operators: {@code PASSED generation=... revision=... hash=...} or the reason. */
    public String describe() {
        String common = verdict + " generation=" + generation + " revision=" + revision;
        return verdict == Verdict.PASSED
                ? common + " hash=" + hash.getAsLong() + " compact_revision=" + compactRevision + " took=" + took.toMillis() + "ms"
                : common + " reason=\"" + reason + "\" took=" + took.toMillis() + "ms";
    }
}
