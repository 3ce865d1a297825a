package io.etcdbackup.restore;

import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
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
 * for a conservative estimate of what the replay writes. Otherwise the given default is used.
 */
final class ScratchPlacement {

    private static final Logger LOG = LoggerFactory.getLogger(ScratchPlacement.class);

    /** Stored (compressed) bytes to database bytes, on the safe side (zstd gives about 2x on etcd's databases). */
    static final long EXPANSION = 4;

    private ScratchPlacement() {
    }

    /**
     * Bytes a replay of {@code plan} may need at its peak: the downloaded full snapshot, the scratch
     * server's data directory grown by the deltas, and the snapshot saved from it.
     */
    static long needed(RestorePlan plan) {
        long database = EXPANSION * plan.full().size();
        long deltas = EXPANSION * plan.deltas().stream().mapToLong(DeltaSegmentRef::size).sum();
        return 3 * database + 2 * deltas;
    }

    /** The folder for the scratch files of {@code plan}: a roomy tmpfs on etcd 3.4 (see the class), else {@code fallback}. */
    static Path choose(Restorer.Settings settings, RestorePlan plan, Path fallback) {
        if (settings.scratchRoot() != null || settings.binaries().supportsUnsafeNoFsync() || settings.tmpfsScratch().isEmpty()) {
            return fallback;
        }
        Path tmpfs = settings.tmpfsScratch().get();
        Optional<String> refusal = refusal(tmpfs, needed(plan));
        if (refusal.isPresent()) {
            LOG.info("scratch on disk dir={} reason=\"tmpfs {} {}\"", fallback, tmpfs, refusal.get());
            return fallback;
        }
        Path dir = tmpfs.resolve("etcd-backup-agent-scratch");
        LOG.info("scratch on tmpfs dir={} (etcd {} has no --unsafe-no-fsync) needed_bytes={}", dir, settings.binaries().version(), needed(plan));
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
