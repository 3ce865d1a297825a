package io.etcdbackup.bench;

import java.time.Duration;

/**
 * What a mode of {@code scripts/bench.sh} measures: the database size, the repetitions of the full
 * snapshot runs, the revisions replayed by the restore, the load of the recovery-point runs and
 * the segments of the catalog run; {@code restoreOnly} skips everything but the restore rows,
 * {@code soakOnly} everything but the chaos soak's.
 */
record Mode(String name, long dbBytes, int reps, int restoreRevisions, Duration rpLoadSlow, Duration rpLoadFast, int segments,
            boolean restoreOnly, boolean soakOnly) {

    private static final long MIB = 1024L * 1024;

    /** The mode named {@code quick}, {@code full}, {@code restore} or {@code soak}; any other name is refused. */
    static Mode of(String name) {
        return switch (name) {
            case "quick" -> new Mode("quick", 256 * MIB, 1, 50_000, Duration.ofSeconds(20), Duration.ofSeconds(10), 5000, false, false);
            case "full" -> new Mode("full", 1024 * MIB, 3, 500_000, Duration.ofSeconds(90), Duration.ofSeconds(30), 5000, false, false);
            case "restore" -> new Mode("restore", 256 * MIB, 1, 50_000, Duration.ZERO, Duration.ZERO, 0, true, false);
            case "soak" -> new Mode("soak", 0, 0, 0, Duration.ZERO, Duration.ZERO, 0, false, true);
            default -> throw new IllegalArgumentException("mode must be quick, full, restore or soak, got '" + name + "'");
        };
    }
}
