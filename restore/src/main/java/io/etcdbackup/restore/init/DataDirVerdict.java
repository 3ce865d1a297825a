package io.etcdbackup.restore.init;

import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * What {@link DataDirValidator} found in a data directory. Local facts only: whether the data is
 * behind the backups is the {@link Initializer}'s question, because it needs the store.
 *
 * @param status   the finding
 * @param revision the database's revision; present exactly when {@code status} is {@link Status#VALID}
 * @param reason   one sentence for operators: what was checked, or what is wrong and where
 * @param notes    things found that etcd copes with by itself (a torn last WAL record, a broken
 *                 raft snapshot file), and a summary of the WAL in full mode; may be empty
 */
public record DataDirVerdict(Status status, OptionalLong revision, String reason, List<String> notes) {

    /** The kinds of finding. */
    public enum Status {
        /** etcd can start on it; the database holds {@link #revision()}. */
        VALID,
        /** The directory does not exist. */
        MISSING,
        /** The directory exists and holds nothing but, possibly, the safeguard file. */
        EMPTY,
        /** Something is there but etcd cannot start on it, or its data cannot be trusted. */
        INVALID
    }

    public DataDirVerdict {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(reason, "reason");
        notes = List.copyOf(notes);
        if (revision.isPresent() != (status == Status.VALID)) {
            throw new IllegalArgumentException("a revision goes with VALID and only with VALID, got " + status + " " + revision);
        }
    }

    static DataDirVerdict valid(long revision, String reason, List<String> notes) {
        return new DataDirVerdict(Status.VALID, OptionalLong.of(revision), reason, notes);
    }

    static DataDirVerdict missing(String reason) {
        return new DataDirVerdict(Status.MISSING, OptionalLong.empty(), reason, List.of());
    }

    static DataDirVerdict empty(String reason) {
        return new DataDirVerdict(Status.EMPTY, OptionalLong.empty(), reason, List.of());
    }

    static DataDirVerdict invalid(String reason, List<String> notes) {
        return new DataDirVerdict(Status.INVALID, OptionalLong.empty(), reason, notes);
    }
}
