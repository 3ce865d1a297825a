package io.etcdbackup.restore.keys;

import io.etcdbackup.snapshot.EtcdBackupException;

/** More keys under a prefix were held at once, while reading, than a reader was allowed to hold: narrow the prefix. */
public final class TooManyKeysException extends EtcdBackupException {

    private final long limit;

    public TooManyKeysException(KeyPrefix prefix, long limit) {
        super("reading the prefix \"" + prefix + "\" held more than " + limit + " keys at once, more than this reader may hold: "
                + "narrow the prefix");
        this.limit = limit;
    }

    /** The most keys the reader would hold. */
    public long limit() {
        return limit;
    }
}
