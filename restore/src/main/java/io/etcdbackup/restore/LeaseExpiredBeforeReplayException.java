package io.etcdbackup.restore;

import io.etcdbackup.snapshot.EtcdBackupException;

/**
 * A lease of the base snapshot expired in the scratch server before the replay could keep it alive
 * (between the server's start and its first keep-alive, e.g. a 2-second lease on a loaded machine),
 * and its keys' deletion made a revision the source never had. The scratch server is unusable;
 * a new one, started from the same base, usually is not (the restore tries again).
 */
public final class LeaseExpiredBeforeReplayException extends EtcdBackupException {
    private static final long serialVersionUID = 1L;
    private final long baseRevision;
    private final long revisionAfter;

    public LeaseExpiredBeforeReplayException(long baseRevision, long revisionAfter) {
        super("a lease expired in the scratch etcd before replay began: its revision moved from " + baseRevision
                + " to " + revisionAfter + " with no replayed write");
        this.baseRevision = baseRevision;
        this.revisionAfter = revisionAfter;
    }

    public long baseRevision() {
        return baseRevision;
    }

    public long revisionAfter() {
        return revisionAfter;
    }
}
