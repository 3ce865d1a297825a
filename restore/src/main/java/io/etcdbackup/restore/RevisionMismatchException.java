package io.etcdbackup.restore;

import io.etcdbackup.snapshot.EtcdBackupException;

/** Replay produced a revision other than the source's: restored history would drift. */
public final class RevisionMismatchException extends EtcdBackupException {
    private static final long serialVersionUID = 1L;
    private final long expected;
    private final long actual;

    public RevisionMismatchException(String where, long expected, long actual) {
        super("replay of " + where + " reached revision " + actual + ", expected " + expected);
        this.expected = expected;
        this.actual = actual;
    }

    public long expected() {
        return expected;
    }

    public long actual() {
        return actual;
    }
}
