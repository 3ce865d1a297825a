package io.etcdbackup.snapshot.retention;

import io.etcdbackup.snapshot.catalog.FullSnapshotRef;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The reference's exponential thinning. With {@code H} = the start of the UTC hour holding
 * {@code now}, a full snapshot created at {@code t} is kept when
 * <ul>
 *   <li>{@code t >= H} (the current clock hour, not the last 60 minutes; snapshots dated after
 *       {@code now} count as current): always;</li>
 *   <li>{@code H - 24h <= t < H} (the 24 previous clock hours): if it is the newest of its UTC hour;</li>
 *   <li>{@code H - 24h - 7d <= t < H - 24h} (7 more days): if it is the newest of its UTC day;</li>
 *   <li>{@code H - 24h - 7d - 28d <= t < H - 24h - 7d} (4 more weeks): if it is the newest of its
 *       ISO week (Monday to Sunday, UTC);</li>
 *   <li>otherwise never.</li>
 * </ul>
 * "Newest of its period" is judged among all full snapshots, not only those in the same zone:
 * the older part of a day that straddles a zone boundary is dropped because the day's newest
 * snapshot is kept in the younger zone. Periods are fixed calendar periods while the zone bounds
 * move with {@code now}, so a period's newest snapshot is kept all the way down (hourly, then
 * daily, then weekly point) and no period loses its point as time passes. (The reference
 * measures its days from the end of the current UTC day; we measure every zone from the current
 * hour so that "24 hours", "7 days" and "4 weeks" mean exactly that.)
 */
record Exponential() implements FullSelector {

    static final Duration HOURLY = Duration.ofHours(24);
    static final Duration DAILY = Duration.ofDays(7);
    static final Duration WEEKLY = Duration.ofDays(28);

    @Override
    public Map<String, String> reject(List<FullSnapshotRef> newestFirst, Instant now) {
        Instant currentHour = now.truncatedTo(ChronoUnit.HOURS);
        Instant hourlyFrom = currentHour.minus(HOURLY);
        Instant dailyFrom = hourlyFrom.minus(DAILY);
        Instant weeklyFrom = dailyFrom.minus(WEEKLY);
        Set<String> hourPoints = Period.HOUR.points(newestFirst);
        Set<String> dayPoints = Period.DAY.points(newestFirst);
        Set<String> weekPoints = Period.WEEK.points(newestFirst);
        Map<String, String> rejected = new HashMap<>();
        for (FullSnapshotRef full : newestFirst) {
            Instant t = full.createdAt();
            if (!t.isBefore(currentHour)) {
                continue;
            }
            if (!t.isBefore(hourlyFrom)) {
                keepIfPoint(full, Period.HOUR, hourPoints, "hourly points for 24h", rejected);
            } else if (!t.isBefore(dailyFrom)) {
                keepIfPoint(full, Period.DAY, dayPoints, "daily points for 7 days", rejected);
            } else if (!t.isBefore(weeklyFrom)) {
                keepIfPoint(full, Period.WEEK, weekPoints, "weekly points for 4 weeks", rejected);
            } else {
                rejected.put(full.key(), "older than " + weeklyFrom + " (24 hourly, 7 daily, 4 weekly points)");
            }
        }
        return rejected;
    }

    private static void keepIfPoint(FullSnapshotRef full, Period period, Set<String> points, String zone, Map<String, String> rejected) {
        if (!points.contains(full.key())) {
            rejected.put(full.key(), "not the last of " + period.label() + " " + period.of(full.createdAt()) + " (" + zone + ")");
        }
    }

    @Override
    public String toString() {
        return "Exponential";
    }
}
