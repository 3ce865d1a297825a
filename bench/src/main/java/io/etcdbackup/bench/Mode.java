package io.etcdbackup.bench;

import java.time.Duration;

/**
 * What a mode of {@code scripts/bench.sh} measures: the database size, the repetitions of the full
 * snapshot runs, the revisions replayed by the restore, the load of the recovery-point runs and
 * the segments of the catalog run; {@code restoreOnly} skips everything but the restore rows.
 */
record Mode(String name, long dbBytes, int reps, int restoreRevisions, Duration rpLoadSlow, Duration rpLoadFast, int segments,
            boolean restoreOnly) {

    private static final long MIB = 1024L * 1024;

    /** The mode named {@code quick}, {@code full} or {@code restore}; any other name is refused. */
    static Mode of(String name) {
        return switch (name) {
            case "quick" -> new Mode("quick", 256 * MIB, 1, 50_000, Duration.ofSeconds(20), Duration.ofSeconds(10), 5000, false);
            case "full" -> new Mode("full", 1024 * MIB, 3, 500_000, Duration.ofSeconds(90), Duration.ofSeconds(30), 5000, false);
            case "restore" -> new Mode("restore", 256 * MIB, 1, 50_000, Duration.ZERO, Duration.ZERO, 0, true);
            default -> throw new IllegalArgumentException("mode must be quick, full or restore, got '" + name + "'");
        };
    }
}
