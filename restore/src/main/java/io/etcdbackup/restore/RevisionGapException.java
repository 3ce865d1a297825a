package io.etcdbackup.restore;

import io.etcdbackup.snapshot.EtcdBackupException;

/** A chain is missing revisions: after {@code coveredUpTo} the next object starts at {@code nextFirst}. */
public final class RevisionGapException extends EtcdBackupException {
    private static final long serialVersionUID = 1L;
    private final long coveredUpTo;
    private final long nextFirst;

    public RevisionGapException(String generation, long coveredUpTo, long nextFirst, String nextKey) {
        this("generation " + generation + " has a gap: revisions " + (coveredUpTo + 1) + ".." + (nextFirst - 1)
                + " are in no object (next is " + nextKey + ")", coveredUpTo, nextFirst);
    }

    private RevisionGapException(String message, long coveredUpTo, long nextFirst) {
        super(message);
        this.coveredUpTo = coveredUpTo;
        this.nextFirst = nextFirst;
    }

    /** The same gap, explained: the operator excluded {@code excluded} from restores. */
    public RevisionGapException becauseExcluded(java.util.Collection<String> excluded) {
        RevisionGapException explained = new RevisionGapException(getMessage() + "; left out because labelled "
                + SnapshotExclusions.LABEL + "=true: " + String.join(", ", excluded), coveredUpTo, nextFirst);
        explained.initCause(this);
        return explained;
    }

    public long coveredUpTo() {
        return coveredUpTo;
    }

    public long nextFirst() {
        return nextFirst;
    }
}
