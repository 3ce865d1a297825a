package io.etcdbackup.restore.init;

import java.util.Locale;

/** How deeply {@link DataDirValidator} checks a data directory. */
public enum ValidationMode {
    /**
     * The layout ({@code member/}, {@code member/snap}, {@code member/wal} with at least one WAL
     * file, {@code member/snap/db}) and the database, read whole by etcd's own tool, which also
     * gives its revision.
     */
    SANITY,
    /**
     * Everything {@link #SANITY} checks, and the write-ahead log and raft snapshot files read the
     * way etcd reads them when it starts: every record's CRC chain, file sequence, metadata,
     * the raft snapshot etcd would start from, entry continuity and the commit index.
     */
    FULL;

    /** {@code sanity} or {@code full}, any case. */
    public static ValidationMode parse(String text) {
        for (ValidationMode mode : values()) {
            if (mode.name().equalsIgnoreCase(text == null ? "" : text.strip())) {
                return mode;
            }
        }
        throw new IllegalArgumentException("unknown validation mode '" + text + "'; use sanity or full");
    }

    /** As written on the command line and in the HTTP API: {@code sanity}, {@code full}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
