package io.etcdbackup.stores;

import java.io.IOException;

/** A {@link WriteMode#IF_ABSENT} write found an object already under its key; nothing was written. */
public final class ObjectAlreadyExistsException extends IOException {
    private static final long serialVersionUID = 1L;
    private final String key;

    public ObjectAlreadyExistsException(String location, String key) {
        super("object '" + key + "' already exists in " + location);
        this.key = key;
    }

    /** The key that was already taken. */
    public String key() {
        return key;
    }
}
