package io.etcdbackup.restore;

import io.etcdbackup.snapshot.EtcdBackupException;

/** The store holds nothing to restore from. */
public final class NoBackupException extends EtcdBackupException {
    private static final long serialVersionUID = 1L;

    public NoBackupException(String message) {
        super(message);
    }
}
