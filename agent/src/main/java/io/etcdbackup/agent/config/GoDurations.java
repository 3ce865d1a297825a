package io.etcdbackup.agent.config;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as the reference's flags take them (Go's {@code time.ParseDuration}): {@code 15m},
 * {@code 15m0s}, {@code 1h30m}, {@code 1.5h}, {@code 300ms}, {@code 0}, with an optional sign.
 * Units: {@code ns}, {@code us} ({@code µs}), {@code ms}, {@code s}, {@code m}, {@code h}.
 */
public final class GoDurations {

    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|μs|ms|s|m|h)");
    private static final Map<String, Long> NANOS = Map.of("ns", 1L, "us", 1_000L, "µs", 1_000L, "μs", 1_000L, "ms", 1_000_000L,
            "s", 1_000_000_000L, "m", 60_000_000_000L, "h", 3_600_000_000_000L);

    private GoDurations() {
    }

    /**
     * Parses a Go duration; a negative one is returned as such (the caller decides what it means).
     *
     * @throws IllegalArgumentException naming the value and the accepted form
     */
    public static Duration parse(String text) {
        String value = text == null ? "" : text.trim();
        boolean negative = value.startsWith("-");
        String body = value.startsWith("-") || value.startsWith("+") ? value.substring(1) : value;
        if (body.equals("0")) {
            return Duration.ZERO;
        }
        Matcher m = PART.matcher(body);
        BigDecimal nanos = BigDecimal.ZERO;
        int at = 0;
        while (at < body.length() && m.find(at) && m.start() == at) {
            nanos = nanos.add(new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(NANOS.get(m.group(2)))));
            at = m.end();
        }
        if (body.isEmpty() || at != body.length()) {
            throw new IllegalArgumentException("'" + text + "' is not a duration; use e.g. 300ms, 20s, 15m0s, 1h30m");
        }
        Duration d;
        try {
            d = Duration.ofNanos(nanos.setScale(0, RoundingMode.DOWN).longValueExact());
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("'" + text + "' is too long a duration");
        }
        return negative ? d.negated() : d;
    }
}
