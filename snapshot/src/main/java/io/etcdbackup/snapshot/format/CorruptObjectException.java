package io.etcdbackup.snapshot.format;

import io.etcdbackup.snapshot.EtcdBackupException;

/** A snapshot object failed verification: bad magic, header, length or checksum. */
public final class CorruptObjectException extends EtcdBackupException {
    private static final long serialVersionUID = 1L;
    private final String key;

    public CorruptObjectException(String key, String reason) {
        super("snapshot object '" + key + "' is corrupt: " + reason);
        this.key = key;
    }

    public CorruptObjectException(String key, String reason, Throwable cause) {
        super("snapshot object '" + key + "' is corrupt: " + reason, cause);
        this.key = key;
    }

    /** The object's key in the store. */
    public String key() {
        return key;
    }
}
