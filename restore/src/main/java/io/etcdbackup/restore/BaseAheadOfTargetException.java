package io.etcdbackup.restore;

import io.etcdbackup.snapshot.EtcdBackupException;

/**
 * A full snapshot chosen as the base of a point-in-time restore holds revisions past the target
 * (its recorded revision is a lower bound: writes during the snapshot are in it). An older base
 * is needed.
 */
public final class BaseAheadOfTargetException extends EtcdBackupException {

    private final String baseKey;
    private final long recordedRevision;

    public BaseAheadOfTargetException(String baseKey, long recordedRevision, long actualRevision, long target) {
        super("full snapshot " + baseKey + " (recorded at revision " + recordedRevision + ") holds revision " + actualRevision
                + ", past the target " + target);
        this.baseKey = baseKey;
        this.recordedRevision = recordedRevision;
    }

    public String baseKey() {
        return baseKey;
    }

    /** The base's recorded revision: plan again with a base below it. */
    public long recordedRevision() {
        return recordedRevision;
    }
}
