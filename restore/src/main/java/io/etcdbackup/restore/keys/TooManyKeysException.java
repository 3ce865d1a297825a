package io.etcdbackup.restore.keys;

import io.etcdbackup.snapshot.EtcdBackupException;

/** More keys are under a prefix than a reader was allowed to hold: narrow the prefix. */
public final class TooManyKeysException extends EtcdBackupException {

    private final long limit;

    public TooManyKeysException(KeyPrefix prefix, long limit) {
        super("more than " + limit + " keys are under the prefix \"" + prefix + "\", more than this reader holds at once: "
                + "narrow the prefix (or use the keys command, which has no such limit)");
        this.limit = limit;
    }

    /** The most keys the reader would hold. */
    public long limit() {
        return limit;
    }
}
