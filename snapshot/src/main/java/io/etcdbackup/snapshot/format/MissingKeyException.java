package io.etcdbackup.snapshot.format;

import java.io.IOException;

/** An object is encrypted with a key the reader does not have: the message names the object, the key id and what is missing. */
public final class MissingKeyException extends IOException {

    private final long keyId;

    public MissingKeyException(String objectKey, long keyId, String why) {
        super("object " + objectKey + " is encrypted with key " + keyId + ": " + why);
        this.keyId = keyId;
    }

    /** The id of the key the object needs. */
    public long keyId() {
        return keyId;
    }
}
