package io.etcdbackup.restore;

import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
import io.etcdbackup.snapshot.format.CorruptObjectException;
import io.etcdbackup.snapshot.format.SnapshotObjectReader;
import io.etcdbackup.stores.ObjectStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where a replay's scratch server and downloads go. etcd 3.5+ runs the scratch server with
 * {@code --unsafe-no-fsync}, so its disk hardly matters. etcd 3.4 has no such flag and waits for
 * an fsync per replayed revision; on a tmpfs that fsync costs nothing, so a 3.4 replay goes to the
 * configured tmpfs folder when the operator did not choose a scratch folder and the tmpfs has room
 * for what the replay may write ({@link #needed}, also what a restore drill checks before it
 * starts). Otherwise the given default is used.
 */
public final class ScratchPlacement {

    private static final Logger LOG = LoggerFactory.getLogger(ScratchPlacement.class);

    /**
     * Bytes the scratch files of a restore of {@code plan} may need at their peak: the full
     * snapshot's database (its size read from the object's trailer), the scratch server's copy grown
     * by the deltas, and the result, at the same time.
     */
    public static long needed(ObjectStore store, RestorePlan plan) throws IOException {
        long deltas = plan.deltas().stream().mapToLong(DeltaSegmentRef::size).sum();
        return needed(databaseBytes(store, plan), deltas);
    }

    /** Three times the database and the delta segments: see {@link #needed(ObjectStore, RestorePlan)}. */
    public static long needed(long databaseBytes, long deltaBytes) {
        return 3 * (databaseBytes + deltaBytes);
    }

    /** The full snapshot's database size, from its trailer; its object size when that cannot be read. */
    private static long databaseBytes(ObjectStore store, RestorePlan plan) throws IOException {
        try {
            return SnapshotObjectReader.readContentLength(store, plan.full().key(), plan.full().size());
        } catch (CorruptObjectException notOurs) {
            // Another tool's object, or a damaged one: the restore names the damage.
            return plan.full().size();
        }
    }

    /** The folder for the scratch files of {@code plan}: a roomy tmpfs on etcd 3.4 (see the class), else {@code fallback}. */
    static Path choose(ObjectStore store, Restorer.Settings settings, RestorePlan plan, Path fallback) throws IOException {
        if (settings.scratchRoot() != null || settings.binaries().supportsUnsafeNoFsync() || settings.tmpfsScratch().isEmpty()) {
            return fallback;
        }
        Path tmpfs = settings.tmpfsScratch().get();
        long needed = needed(store, plan);
        Optional<String> refusal = refusal(tmpfs, needed);
        if (refusal.isPresent()) {
            LOG.info("scratch on disk dir={} reason=\"tmpfs {} {}\"", fallback, tmpfs, refusal.get());
            return fallback;
        }
        Path dir = tmpfs.resolve("etcd-backup-agent-scratch");
        LOG.info("scratch on tmpfs dir={} reason=\"etcd {} has no --unsafe-no-fsync\" needed_bytes={}", dir, settings.binaries().version(), needed);
        return dir;
    }

    /** Why {@code tmpfs} cannot take {@code needed} bytes, or empty when it can. */
    static Optional<String> refusal(Path tmpfs, long needed) {
        try {
            if (!Files.isDirectory(tmpfs) || !Files.isWritable(tmpfs)) {
                return Optional.of("is not a writable folder");
            }
            FileStore store = Files.getFileStore(tmpfs);
            if (!"tmpfs".equals(store.type())) {
                return Optional.of("is not a tmpfs (" + store.type() + ")");
            }
            long usable = store.getUsableSpace();
            if (usable < needed) {
                return Optional.of("has " + usable + " bytes free, the replay may need " + needed);
            }
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of("cannot be inspected: " + e.getMessage());
        }
    }
}
