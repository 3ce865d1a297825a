package io.etcdbackup.plugins.gcs;

import com.google.cloud.storage.StorageException;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How GCS says an object is locked: 403 with reason {@code retentionPolicyNotMet} or
 * {@code objectUnderActiveHold}, or (older answers) reason {@code forbidden} and a message such
 * as "Object 'b/k' is subject to bucket's retention policy and cannot be deleted, overwritten or
 * archived until 2021-02-05T11:36:47.70576-08:00", or "is under active Temporary hold".
 */
final class GcsLocks {

    private static final Set<String> REASONS = Set.of("retentionPolicyNotMet", "objectUnderActiveHold");
    private static final Pattern UNTIL = Pattern.compile("until (\\d{4}-\\d{2}-\\d{2}T[0-9:.]+(?:Z|[+-]\\d{2}:\\d{2}))");

    private GcsLocks() {
    }

    static boolean isLocked(StorageException e) {
        if (e.getCode() != 403) {
            return false;
        }
        if (e.getReason() != null && REASONS.contains(e.getReason())) {
            return true;
        }
        String message = e.getMessage() == null ? "" : e.getMessage().toLowerCase(Locale.ROOT);
        return message.contains("retention") || message.contains("active temporary hold") || message.contains("active event-based hold");
    }

    /** The lock's expiry if the message names one (retention policies do; holds have none). */
    static Optional<Instant> lockedUntil(String message) {
        if (message == null) {
            return Optional.empty();
        }
        Matcher m = UNTIL.matcher(message);
        if (!m.find()) {
            return Optional.empty();
        }
        try {
            return Optional.of(OffsetDateTime.parse(m.group(1)).toInstant());
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }
}
