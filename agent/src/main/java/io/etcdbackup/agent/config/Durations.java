package io.etcdbackup.agent.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as operators write them: {@code 500ms}, {@code 20s}, {@code 5m}, {@code 1h30m}. */
public final class Durations {

    private static final Pattern PART = Pattern.compile("(\\d+)(ms|s|m|h|d)");

    private Durations() {
    }

    /**
     * Parses a duration.
     *
     * @throws IllegalArgumentException naming the value and the accepted form
     */
    public static Duration parse(String text) {
        String value = text == null ? "" : text.trim();
        Matcher m = PART.matcher(value);
        Duration total = Duration.ZERO;
        int at = 0;
        while (at < value.length() && m.find(at) && m.start() == at) {
            long amount = Long.parseLong(m.group(1));
            total = total.plus(switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                case "h" -> Duration.ofHours(amount);
                default -> Duration.ofDays(amount);
            });
            at = m.end();
        }
        if (value.isEmpty() || at != value.length()) {
            throw new IllegalArgumentException("'" + text + "' is not a duration; use e.g. 500ms, 20s, 5m, 1h30m");
        }
        return total;
    }

    /** The shortest form {@link #parse} reads back, e.g. {@code 1h30m}. */
    public static String format(Duration duration) {
        if (duration.isZero()) {
            return "0s";
        }
        StringBuilder s = new StringBuilder();
        long ms = duration.toMillis();
        long[] units = {3_600_000, 60_000, 1_000, 1};
        String[] names = {"h", "m", "s", "ms"};
        for (int i = 0; i < units.length; i++) {
            if (ms >= units[i]) {
                s.append(ms / units[i]).append(names[i]);
                ms %= units[i];
            }
        }
        return s.toString();
    }
}
