package io.etcdbackup.snapshot.etcd;

import io.etcdbackup.snapshot.EtcdBackupException;

/** etcd could not be reached or did not answer in time. */
public final class EtcdUnavailableException extends EtcdBackupException {
    private static final long serialVersionUID = 1L;

    public EtcdUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
