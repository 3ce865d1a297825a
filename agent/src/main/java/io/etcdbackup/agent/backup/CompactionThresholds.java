package io.etcdbackup.agent.backup;

import java.time.Duration;
import java.util.Optional;

/**
 * When the sidecar folds the chain into a new base (compaction): any threshold passed is enough;
 * zero disables a threshold.
 *
 * @param events         delta events since the base (the reference controller's default for a
 *                       compaction job is 1,000,000)
 * @param bytes          stored bytes of the delta segments since the base
 * @param maxRestoreTime predicted restore time of the latest state
 */
public record CompactionThresholds(long events, long bytes, Duration maxRestoreTime) {

    /** The reference controller's event threshold; no byte or time threshold. */
    public static final long REFERENCE_EVENTS = 1_000_000;

    public CompactionThresholds {
        if (events < 0 || bytes < 0 || maxRestoreTime.isNegative()) {
            throw new IllegalArgumentException("compaction thresholds must not be negative");
        }
    }

    /** Which threshold {@code chain} passes, described for the log; empty when none. */
    public Optional<String> passedBy(ChainStats chain) {
        if (events > 0 && chain.events() >= events) {
            return Optional.of(chain.events() + " delta events since the base (threshold " + events + ")");
        }
        if (bytes > 0 && chain.bytes() >= bytes) {
            return Optional.of(chain.bytes() + " delta bytes since the base (threshold " + bytes + ")");
        }
        if (!maxRestoreTime.isZero() && chain.predictedRestore().compareTo(maxRestoreTime) >= 0) {
            return Optional.of("predicted restore time " + chain.predictedRestore().toSeconds() + " s (threshold "
                    + maxRestoreTime.toSeconds() + " s)");
        }
        return Optional.empty();
    }
}
