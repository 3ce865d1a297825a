package io.etcdbackup.snapshot.retention;

import io.etcdbackup.snapshot.catalog.FullSnapshotRef;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.IsoFields;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Calendar periods in UTC; a "point" is the newest full snapshot of one period. */
enum Period {
    HOUR("hour"), DAY("day"), WEEK("ISO week"), MONTH("month");

    private final String label;

    Period(String label) {
        this.label = label;
    }

    String label() {
        return label;
    }

    /** The period holding {@code t}, e.g. {@code 2026-11-22T10Z}, {@code 2026-11-22}, {@code 2026-W47}, {@code 2026-11}. */
    String of(Instant t) {
        ZonedDateTime z = t.atZone(ZoneOffset.UTC);
        return switch (this) {
            case HOUR -> String.format("%s-%02d-%02dT%02dZ", z.getYear(), z.getMonthValue(), z.getDayOfMonth(), z.getHour());
            case DAY -> z.toLocalDate().toString();
            case WEEK -> String.format("%d-W%02d", z.get(IsoFields.WEEK_BASED_YEAR), z.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR));
            case MONTH -> String.format("%d-%02d", z.getYear(), z.getMonthValue());
        };
    }

    /** A number that identifies the period holding {@code t} (cheaper than {@link #of} for grouping). */
    long index(Instant t) {
        return switch (this) {
            case HOUR -> Math.floorDiv(t.getEpochSecond(), 3600);
            case DAY -> Math.floorDiv(t.getEpochSecond(), 86400);
            case WEEK -> Math.floorDiv(Math.floorDiv(t.getEpochSecond(), 86400) + 3, 7); // 1970-01-01 was a Thursday
            case MONTH -> {
                ZonedDateTime z = t.atZone(ZoneOffset.UTC);
                yield z.getYear() * 12L + z.getMonthValue();
            }
        };
    }

    /** Keys of the points of this period, newest first: the first full snapshot seen in each period. */
    LinkedHashSet<String> points(List<FullSnapshotRef> newestFirst) {
        Set<Long> seen = new HashSet<>();
        LinkedHashSet<String> points = new LinkedHashSet<>();
        for (FullSnapshotRef full : newestFirst) {
            if (seen.add(index(full.createdAt()))) {
                points.add(full.key());
            }
        }
        return points;
    }
}
