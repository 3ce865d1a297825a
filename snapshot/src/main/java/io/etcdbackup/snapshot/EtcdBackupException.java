package io.etcdbackup.snapshot;

/**
 * The root of this project's domain errors. Subtypes carry the data that explains them (the
 * object key, the expected and actual checksum, the revisions around a gap), so callers and
 * operators never have to parse messages.
 */
public class EtcdBackupException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public EtcdBackupException(String message) {
        super(message);
    }

    public EtcdBackupException(String message, Throwable cause) {
        super(message, cause);
    }
}
