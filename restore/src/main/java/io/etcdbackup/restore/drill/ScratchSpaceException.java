package io.etcdbackup.restore.drill;

import io.etcdbackup.snapshot.EtcdBackupException;

import java.nio.file.Path;

/** Too little free space in the scratch directory to restore the latest chain for a drill; nothing was started. */
public final class ScratchSpaceException extends EtcdBackupException {
    private static final long serialVersionUID = 1L;
    private final transient Path directory;
    private final long requiredBytes;
    private final long usableBytes;

    public ScratchSpaceException(Path directory, long requiredBytes, long usableBytes) {
        super("not enough scratch space for a restore drill in " + directory + ": it needs about " + requiredBytes
                + " bytes (3 x the newest full snapshot's database and the delta segments after it), " + usableBytes
                + " bytes are usable");
        this.directory = directory;
        this.requiredBytes = requiredBytes;
        this.usableBytes = usableBytes;
    }

    public Path directory() {
        return directory;
    }

    public long requiredBytes() {
        return requiredBytes;
    }

    public long usableBytes() {
        return usableBytes;
    }
}
