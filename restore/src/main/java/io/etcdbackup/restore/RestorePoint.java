package io.etcdbackup.restore;

import java.time.Instant;

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
}
