package io.etcdbackup.snapshot.catalog;

import io.etcdbackup.snapshot.EtcdBackupException;

/**
 * Another writer took over the catalog with a higher epoch: this writer must stop writing (it
 * believed it led, but a newer leader's agent now writes).
 */
public final class FencedWriterException extends EtcdBackupException {
    private static final long serialVersionUID = 1L;
    private final long ownEpoch;
    private final long currentEpoch;

    public FencedWriterException(String writer, long ownEpoch, long currentEpoch, String currentWriter) {
        super("catalog writer '" + writer + "' with epoch " + ownEpoch + " is fenced: '" + currentWriter
                + "' took over with epoch " + currentEpoch + "; this agent stops writing");
        this.ownEpoch = ownEpoch;
        this.currentEpoch = currentEpoch;
    }

    public long ownEpoch() {
        return ownEpoch;
    }

    public long currentEpoch() {
        return currentEpoch;
    }
}
