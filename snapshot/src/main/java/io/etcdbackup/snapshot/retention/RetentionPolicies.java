package io.etcdbackup.snapshot.retention;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * The retention policies, built from code or from configuration strings. Each policy decides
 * which full snapshots to keep; all of them then obey the common rules of {@link RetentionPolicy}
 * (live chain kept, deltas kept between retained points, optional delta retention, empty
 * generations deleted whole). See {@code docs/retention.md} for examples.
 */
public final class RetentionPolicies {

    /** The reference's default for {@code max-backups}. */
    public static final int DEFAULT_MAX_BACKUPS = 7;

    private static final Map<String, Set<String>> OPTIONS = Map.of(
            "limitbased", Set.of("max-backups"),
            "exponential", Set.of(),
            "tiered", Set.of("hourly", "daily", "weekly", "monthly"));

    private RetentionPolicies() {
    }

    /**
     * Keeps the newest {@code maxFullSnapshots} full snapshots across all generations, with the
     * delta segments they need.
     *
     * @throws RetentionConfigException if {@code maxFullSnapshots < 1}
     */
    public static RetentionPolicy limitBased(int maxFullSnapshots) {
        return new SelectingPolicy(new LimitBased(maxFullSnapshots), null);
    }

    /**
     * The reference's exponential thinning: every full snapshot of the current UTC hour, then the
     * last of each hour for the 24 hours before, the last of each day for 7 more days, the last of
     * each ISO week for 4 more weeks; nothing older. Zones are measured back from the start of
     * the current hour; "last of a period" is judged among all full snapshots of that period.
     */
    public static RetentionPolicy exponential() {
        return new SelectingPolicy(new Exponential(), null);
    }

    /**
     * Keeps the last {@code hourly} hourly, {@code daily} daily, {@code weekly} weekly and
     * {@code monthly} monthly points; a point is the newest full snapshot of a UTC hour, day, ISO
     * week or month, and "last n" counts periods that hold a full snapshot.
     *
     * @throws RetentionConfigException if a count is negative or all are 0
     */
    public static RetentionPolicy tiered(int hourly, int daily, int weekly, int monthly) {
        return new SelectingPolicy(new Tiered(hourly, daily, weekly, monthly), null);
    }

    /**
     * A policy from configuration: {@code LimitBased} (option {@code max-backups}, default
     * {@value #DEFAULT_MAX_BACKUPS}), {@code Exponential} (no options) or {@code Tiered} (options
     * {@code hourly}, {@code daily}, {@code weekly}, {@code monthly}, each default 0, at least one
     * above 0). Names are case-insensitive; option values are decimal integers.
     *
     * @param policy  the policy name
     * @param options option name to value; options another policy uses are rejected too, so a
     *                typo is never silently ignored
     * @throws RetentionConfigException naming the field, the value and why
     */
    public static RetentionPolicy parse(String policy, Map<String, String> options) {
        Objects.requireNonNull(options, "options");
        String name = policy == null ? "" : policy.trim().toLowerCase(Locale.ROOT);
        Set<String> known = OPTIONS.get(name);
        if (known == null) {
            throw new RetentionConfigException("policy", policy, "unknown; use one of LimitBased, Exponential, Tiered");
        }
        for (String option : new TreeSet<>(options.keySet())) {
            if (!known.contains(option)) {
                throw new RetentionConfigException(option, options.get(option), "not an option of " + policy
                        + (known.isEmpty() ? ", which takes none" : "; known: " + String.join(", ", new TreeSet<>(known))));
            }
        }
        Map<String, String> values = new HashMap<>(options);
        return switch (name) {
            case "limitbased" -> limitBased(integer(values, "max-backups", DEFAULT_MAX_BACKUPS));
            case "exponential" -> exponential();
            default -> tiered(integer(values, "hourly", 0), integer(values, "daily", 0),
                    integer(values, "weekly", 0), integer(values, "monthly", 0));
        };
    }

    private static int integer(Map<String, String> options, String field, int fallback) {
        String value = options.get(field);
        if (value == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new RetentionConfigException(field, value, "not a whole number");
        }
    }

    /** The policy names {@link #parse} accepts, for help texts. */
    public static List<String> names() {
        return List.of("LimitBased", "Exponential", "Tiered");
    }
}
