package io.etcdbackup.restore;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/** Which state of the history a restore produces. */
public sealed interface RestorePoint {

    /** The newest state in the store. */
    record Latest() implements RestorePoint {
        @Override
        public String toString() {
            return "latest";
        }
    }

    /**
     * Exactly revision {@code revision}, from the newest retained generation that holds it.
     */
    record AtRevision(long revision) implements RestorePoint {
        public AtRevision {
            if (revision < 1) {
                throw new IllegalArgumentException("a revision to restore to must be positive, got " + revision);
            }
        }

        @Override
        public String toString() {
            return "revision " + revision;
        }
    }

    /**
     * The newest revision committed at or before {@code time} (resolution: the time the agent
     * received it, to 10 ms), from the newest generation that had started by then.
     */
    record AtTime(Instant time) implements RestorePoint {
        @Override
        public String toString() {
            return "time " + time;
        }
    }

    static RestorePoint latest() {
        return new Latest();
    }

    /**
     * The point an operator named: a revision, a time, or neither (the latest state).
     *
     * @throws IllegalArgumentException naming the bad value, or when both are given
     */
    public static RestorePoint of(String revision, String time) {
        if (revision != null && time != null) {
            throw new IllegalArgumentException("give either a revision or a time, not both");
        }
        if (revision != null) {
            return new AtRevision(parseRevision(revision));
        }
        return time != null ? new AtTime(parseTime(time)) : new Latest();
    }

    /** A positive revision number. @throws IllegalArgumentException naming the text */
    public static long parseRevision(String text) {
        try {
            long value = Long.parseLong(text.trim());
            if (value > 0) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("'" + text + "' is not a revision (a positive number)");
    }

    /** An ISO 8601 instant with a zone or offset. @throws IllegalArgumentException naming the text */
    public static Instant parseTime(String text) {
        try {
            return OffsetDateTime.parse(text.trim()).toInstant();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("'" + text + "' is not an ISO 8601 time with a zone, e.g. 2026-11-22T10:15:00Z");
        }
    }
}
