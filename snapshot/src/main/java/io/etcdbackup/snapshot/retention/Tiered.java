package io.etcdbackup.snapshot.retention;

import io.etcdbackup.snapshot.catalog.FullSnapshotRef;

import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Keeps the last {@code hourly} hourly, {@code daily} daily, {@code weekly} weekly and
 * {@code monthly} monthly points, where a point is the newest full snapshot of a UTC hour, day,
 * ISO week or month. "The last n" counts periods that hold a full snapshot, not clock periods:
 * when backups stop for a week, the last 24 hourly points are still the 24 before the pause.
 * A snapshot that is a point of several periods counts once in each.
 */
record Tiered(int hourly, int daily, int weekly, int monthly) implements FullSelector {

    Tiered {
        requireNotNegative("hourly", hourly);
        requireNotNegative("daily", daily);
        requireNotNegative("weekly", weekly);
        requireNotNegative("monthly", monthly);
        if (hourly + daily + weekly + monthly == 0) {
            throw new RetentionConfigException("hourly,daily,weekly,monthly", "0,0,0,0", "keeps no points; set at least one above 0");
        }
    }

    private static void requireNotNegative(String field, int value) {
        if (value < 0) {
            throw new RetentionConfigException(field, value, "must not be negative");
        }
    }

    @Override
    public Map<String, String> reject(List<FullSnapshotRef> newestFirst, Instant now) {
        Set<String> kept = new HashSet<>();
        keepLast(Period.HOUR, hourly, newestFirst, kept);
        keepLast(Period.DAY, daily, newestFirst, kept);
        keepLast(Period.WEEK, weekly, newestFirst, kept);
        keepLast(Period.MONTH, monthly, newestFirst, kept);
        String reason = "not among the last " + hourly + " hourly, " + daily + " daily, " + weekly + " weekly, " + monthly + " monthly points";
        Map<String, String> rejected = new HashMap<>();
        for (FullSnapshotRef full : newestFirst) {
            if (!kept.contains(full.key())) {
                rejected.put(full.key(), reason);
            }
        }
        return rejected;
    }

    private static void keepLast(Period period, int count, List<FullSnapshotRef> newestFirst, Set<String> kept) {
        period.points(newestFirst).stream().limit(count).forEach(kept::add);
    }

    @Override
    public String toString() {
        return "Tiered(hourly=" + hourly + ", daily=" + daily + ", weekly=" + weekly + ", monthly=" + monthly + ")";
    }
}
