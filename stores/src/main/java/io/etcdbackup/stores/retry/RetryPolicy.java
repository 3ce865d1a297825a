package io.etcdbackup.stores.retry;

import java.time.Duration;
import java.util.Objects;

/**
 * How {@link RetryingObjectStore} retries transient failures: exponential backoff with full
 * jitter. Attempt {@code n} (1-based) that fails transiently is followed by a pause drawn
 * uniformly from {@code [0, min(maxBackoff, initialBackoff * multiplier^(n-1))]}.
 *
 * @param maxAttempts    calls in total, including the first; at least 1
 * @param initialBackoff the cap of the first pause
 * @param maxBackoff     the largest cap of any pause
 * @param multiplier     growth of the cap per attempt; at least 1
 * @param logInterval    a transient failure is logged at WARN at most once per interval per store
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff, double multiplier,
                          Duration logInterval) {

    public RetryPolicy {
        Objects.requireNonNull(initialBackoff, "initialBackoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        Objects.requireNonNull(logInterval, "logInterval");
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("retry maxAttempts must be at least 1, was " + maxAttempts);
        }
        if (initialBackoff.isNegative() || maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("retry backoff must satisfy 0 <= initialBackoff (" + initialBackoff
                    + ") <= maxBackoff (" + maxBackoff + ")");
        }
        if (!(multiplier >= 1.0)) {
            throw new IllegalArgumentException("retry multiplier must be at least 1, was " + multiplier);
        }
    }

    /** 8 attempts, pauses capped at 200 ms doubling up to 20 s (about 45 s worst case in all), WARN at most once a minute. */
    public static RetryPolicy defaults() {
        return new RetryPolicy(8, Duration.ofMillis(200), Duration.ofSeconds(20), 2.0, Duration.ofMinutes(1));
    }

    /** The cap of the pause after failed attempt {@code attempt} (1-based). */
    Duration backoffCap(int attempt) {
        double millis = initialBackoff.toMillis() * Math.pow(multiplier, attempt - 1);
        return millis >= maxBackoff.toMillis() ? maxBackoff : Duration.ofMillis((long) millis);
    }
}
