package io.etcdbackup.stores;

import java.io.IOException;

/** No object exists under the key. The one "not found" type every provider throws. */
public final class NoSuchObjectException extends IOException {
    private static final long serialVersionUID = 1L;
    private final String key;

    public NoSuchObjectException(String location, String key) {
        super("no object '" + key + "' in " + location);
        this.key = key;
    }

    public NoSuchObjectException(String location, String key, Throwable cause) {
        this(location, key);
        initCause(cause);
    }

    /** The key that was not found. */
    public String key() {
        return key;
    }
}
