package io.etcdbackup.restore;

import io.etcdbackup.etcdprocess.DirectoryTrees;
import io.etcdbackup.stores.ObjectStore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.UUID;

/**
 * Materialises a {@link RestorePlan} as one compact etcd snapshot file, without producing or
 * swapping in any member's data directory: what compaction publishes as a chain's new base.
 *
 * <p>The plan's full snapshot and delta segments are read and verified exactly as a restore
 * reads them ({@link BackupFormat}), replayed into a scratch etcd on loopback (one transaction per
 * source revision), whose history is then compacted at the final revision and defragmented, and
 * saved with {@code snapshot save}. The scratch server takes no other writes, so the file holds
 * exactly the revision the replay ended at: the plan's last revision, or the base's own when the
 * base database already holds more (see {@link #materialise}). Scratch files go under the work root given to each call (or a
 * roomy tmpfs on etcd 3.4, see {@link ScratchPlacement}) and are removed afterwards, whatever
 * happened. Calls may run one after the other, not at the same time.
 *
 * <p>{@link Restorer} is the other user of the same replay; it ends in a data directory instead.
 */
public final class SnapshotMaterialiser {

    /** The name of each call's work directory starts with this. */
    private static final String WORK_PREFIX = "compact-";

    private final ObjectStore store;
    private final Restorer.Settings settings;
    private final RestoreProgress progress = new RestoreProgress();
    private final ScratchReplay scratch;

    /**
     * @param store    where the plan's objects are
     * @param settings how to replay: etcd binaries, fetchers, default lease TTL, and the tmpfs for
     *                 etcd 3.4 (considered only when its scratch root is unset; the scratch files
     *                 otherwise go under each call's work root)
     */
    public SnapshotMaterialiser(ObjectStore store, Restorer.Settings settings) {
        this.store = store;
        this.settings = settings;
        this.scratch = new ScratchReplay(store, settings, new EtcdTool(settings.binaries()), progress);
    }

    /**
     * Replays {@code plan} and writes the compacted, defragmented result to {@code snapshotFile}
     * (what {@code etcdctl snapshot save} writes: the database followed by etcd's SHA-256),
     * replacing any file there. On failure {@code snapshotFile} is not written.
     *
     * @param workRoot where the scratch server and downloads go (created if missing)
     * @return the revision the snapshot holds (exactly: the plan's last revision, or the base's when
     *         its database holds more)
     * @throws io.etcdbackup.snapshot.format.CorruptObjectException if an object fails verification
     * @throws RevisionMismatchException                           if a segment does not end where its name says
     * @throws io.etcdbackup.snapshot.EtcdBackupException          for other replay failures
     */
    public long materialise(RestorePlan plan, Path workRoot, Path snapshotFile) throws IOException {
        Path work = ScratchPlacement.choose(store, settings, plan, workRoot)
                .resolve(WORK_PREFIX + UUID.randomUUID().toString().substring(0, 8));
        Files.createDirectories(work);
        progress.started(plan);
        boolean succeeded = false;
        try {
            Path fullFile = work.resolve("full.db");
            scratch.fetchFull(plan, fullFile);
            Path saved = work.resolve("compacted.db");
            long revision = scratch.replay(plan, fullFile, work, saved, true).revision();
            Files.move(saved, snapshotFile, StandardCopyOption.REPLACE_EXISTING);
            succeeded = true;
            return revision;
        } finally {
            progress.finished(succeeded);
            DirectoryTrees.delete(work);
        }
    }

    /**
     * Removes the work directories under {@code workRoot} that a process killed while it
     * materialised left behind. Call it only when no materialisation runs there.
     *
     * @return what was removed
     */
    public static List<Path> removeLeftovers(Path workRoot) throws IOException {
        return DirectoryTrees.deleteMatching(workRoot, WORK_PREFIX + "*");
    }
}
