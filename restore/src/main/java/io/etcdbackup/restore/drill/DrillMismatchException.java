package io.etcdbackup.restore.drill;

import io.etcdbackup.snapshot.EtcdBackupException;

/**
 * A restore drill found that the backup does not restore the live cluster's history: etcd's
 * {@code HashKV} of the restored member differs from the live member's at the same revision and
 * compaction point. Some key, value, create or mod revision, version or lease differs at or below
 * that revision.
 */
public final class DrillMismatchException extends EtcdBackupException {
    private static final long serialVersionUID = 1L;
    private final String generation;
    private final long liveHash;
    private final long liveRevision;
    private final long restoredHash;
    private final long restoredRevision;
    private final long compactRevision;

    /**
     * @param generation       the generation restored
     * @param liveHash         the live member's hash (etcd's unsigned 32-bit CRC)
     * @param liveRevision     the revision the live member hashed at
     * @param restoredHash     the restored member's hash
     * @param restoredRevision the revision the restored member hashed at
     * @param compactRevision  the compaction point of both (-1: never compacted)
     */
    public DrillMismatchException(String generation, long liveHash, long liveRevision, long restoredHash, long restoredRevision,
                                  long compactRevision) {
        super("restore drill mismatch in generation " + generation + ": live cluster HashKV " + liveHash + " at revision "
                + liveRevision + ", restored backup HashKV " + restoredHash + " at revision " + restoredRevision
                + (compactRevision > 0 ? " (both compacted at " + compactRevision + ")" : " (neither compacted)")
                + ": the backup does not restore the live history exactly");
        this.generation = generation;
        this.liveHash = liveHash;
        this.liveRevision = liveRevision;
        this.restoredHash = restoredHash;
        this.restoredRevision = restoredRevision;
        this.compactRevision = compactRevision;
    }

    public String generation() {
        return generation;
    }

    public long liveHash() {
        return liveHash;
    }

    public long liveRevision() {
        return liveRevision;
    }

    public long restoredHash() {
        return restoredHash;
    }

    public long restoredRevision() {
        return restoredRevision;
    }

    public long compactRevision() {
        return compactRevision;
    }
}
