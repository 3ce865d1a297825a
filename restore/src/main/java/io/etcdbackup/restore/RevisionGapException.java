package io.etcdbackup.restore;

import io.etcdbackup.snapshot.EtcdBackupException;

/** A chain is missing revisions: after {@code coveredUpTo} the next object starts at {@code nextFirst}. */
public final class RevisionGapException extends EtcdBackupException {
    private static final long serialVersionUID = 1L;
    private final long coveredUpTo;
    private final long nextFirst;

    public RevisionGapException(String generation, long coveredUpTo, long nextFirst, String nextKey) {
        super("generation " + generation + " has a gap: revisions " + (coveredUpTo + 1) + ".." + (nextFirst - 1)
                + " are in no object (next is " + nextKey + ")");
        this.coveredUpTo = coveredUpTo;
        this.nextFirst = nextFirst;
    }

    public long coveredUpTo() {
        return coveredUpTo;
    }

    public long nextFirst() {
        return nextFirst;
    }
}
