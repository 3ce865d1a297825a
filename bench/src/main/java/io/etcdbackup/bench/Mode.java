package io.etcdbackup.bench;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;

/**
 * What a mode of {@code scripts/bench.sh} measures: the database size, the repetitions of the full
 * snapshot runs, the revisions replayed by the restore, the load of the recovery-point runs, the
 * segments of the catalog run, and which parts run.
 */
record Mode(String name, long dbBytes, int reps, int restoreRevisions, Duration rpLoadSlow, Duration rpLoadFast, int segments,
            Set<Part> parts) {

    /** The groups of rows a mode may run. */
    enum Part {
        /** rows 1: the one-shot CLI's full snapshot beside etcdctl's */
        SNAPSHOT,
        /** rows 1s, 1z, 4, 4m: the sidecar's snapshot, compression, footprint, memory limits */
        SIDECAR,
        /** rows 2: restore, replay, compaction */
        RESTORE,
        /** rows 3: the recovery point */
        RECOVERY_POINT,
        /** rows 6: planning over a long chain */
        CATALOG,
        /** the chaos soak */
        SOAK
    }

    private static final long MIB = 1024L * 1024;

    Mode {
        parts = Set.copyOf(parts);
    }

    /** Whether this mode runs {@code part}. */
    boolean runs(Part part) {
        return parts.contains(part);
    }

    /** Whether this mode needs the generated database (every part but the soak, the recovery point and the catalog does). */
    boolean needsDatabase() {
        return runs(Part.SNAPSHOT) || runs(Part.SIDECAR) || runs(Part.RESTORE);
    }

    /**
     * The mode named {@code quick}, {@code full} (2 GiB database, 100,000 segments: issue 19's
     * scale), {@code scale} (only the rows that grow with size: snapshot, restore, compaction,
     * planning, at {@code full}'s sizes), {@code restore} or {@code soak}; any other name is refused.
     */
    static Mode of(String name) {
        Set<Part> all = EnumSet.of(Part.SNAPSHOT, Part.SIDECAR, Part.RESTORE, Part.RECOVERY_POINT, Part.CATALOG);
        return switch (name) {
            case "quick" -> new Mode("quick", 256 * MIB, 1, 50_000, Duration.ofSeconds(20), Duration.ofSeconds(10), 5000, all);
            case "full" -> new Mode("full", 2048 * MIB, 3, 500_000, Duration.ofSeconds(90), Duration.ofSeconds(30), 100_000, all);
            case "scale" -> new Mode("scale", 2048 * MIB, 1, 50_000, Duration.ZERO, Duration.ZERO, 100_000,
                    EnumSet.of(Part.SNAPSHOT, Part.RESTORE, Part.CATALOG));
            case "restore" -> new Mode("restore", 256 * MIB, 1, 50_000, Duration.ZERO, Duration.ZERO, 0, EnumSet.of(Part.RESTORE));
            case "soak" -> new Mode("soak", 0, 0, 0, Duration.ZERO, Duration.ZERO, 0, EnumSet.of(Part.SOAK));
            default -> throw new IllegalArgumentException("mode must be quick, full, scale, restore or soak, got '" + name + "'");
        };
    }
}
