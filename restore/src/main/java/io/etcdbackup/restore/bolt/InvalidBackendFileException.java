package io.etcdbackup.restore.bolt;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A file could not be read as etcd's backend database: it is not a bbolt database, it has no
 * {@code key} bucket, or a page or record in it is malformed or lies past the end of the file.
 * Unlike {@link io.etcdbackup.restore.UnreadableDatabaseException}, no etcd tool was involved:
 * this package read the bytes itself and says what it found wrong.
 */
public final class InvalidBackendFileException extends IOException {
    private static final long serialVersionUID = 1L;
    private final transient Path file;
    private final String reason;

    public InvalidBackendFileException(Path file, String reason) {
        this(file, reason, null);
    }

    public InvalidBackendFileException(Path file, String reason, Throwable cause) {
        super(file + " is not a readable etcd backend database: " + reason, cause);
        this.file = file;
        this.reason = reason;
    }

    /** The file that was read. */
    public Path file() {
        return file;
    }

    /** What was wrong with it, without the file name. */
    public String reason() {
        return reason;
    }
}
