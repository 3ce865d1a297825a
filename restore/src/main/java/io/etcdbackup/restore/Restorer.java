package io.etcdbackup.restore;

import io.etcdbackup.snapshot.EtcdBackupException;
import io.etcdbackup.etcdprocess.DirectoryTrees;
import io.etcdbackup.etcdprocess.EtcdBinaries;
import io.etcdbackup.snapshot.format.CorruptObjectException;
import io.etcdbackup.stores.ObjectStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Executes a {@link RestorePlan} into a data directory.
 *
 * <ol>
 *   <li>Download the full snapshot, verifying the object's checksum (etcd's tool then verifies
 *       etcd's own hash).</li>
 *   <li>Without deltas: {@code snapshot restore} it with the target membership.</li>
 *   <li>With deltas: {@code snapshot restore} it as a single-member scratch server on loopback,
 *       replay the verified segments into it ({@link ScratchReplay}, {@link DeltaReplayer}), save the result with
 *       {@code snapshot save}, and {@code snapshot restore} that with the target membership. The
 *       second step makes any membership possible (a three-member cluster cannot run one member
 *       alone) at the cost of one local snapshot.</li>
 *   <li>Everything is produced in {@code <data-dir>.part} and swapped in at the end; a failed
 *       restore leaves the existing data directory untouched.</li>
 * </ol>
 */
public final class Restorer {

    private static final Logger LOG = LoggerFactory.getLogger(Restorer.class);

    /**
     * @param binaries        etcd executables
     * @param scratchRoot     where scratch servers and downloads go; null for next to the data dir
     * @param defaultLeaseTtl TTL (seconds) for leases whose granted TTL was not recorded
     * @param maxFetchers     delta segments downloaded ahead of replay, in parallel
     * @param tmpfsScratch    a tmpfs folder for the scratch files of a replay on etcd without
     *                        {@code --unsafe-no-fsync} (3.4) when {@code scratchRoot} is null and it
     *                        has room ({@link ScratchPlacement}); empty: never
     */
    public record Settings(EtcdBinaries binaries, Path scratchRoot, long defaultLeaseTtl, int maxFetchers, Optional<Path> tmpfsScratch) {
        public Settings {
            if (maxFetchers < 1) {
                throw new IllegalArgumentException("max fetchers must be at least 1, got " + maxFetchers);
            }
            Objects.requireNonNull(tmpfsScratch);
        }

        /** Settings that never place scratch files on a tmpfs by themselves. */
        public Settings(EtcdBinaries binaries, Path scratchRoot, long defaultLeaseTtl, int maxFetchers) {
            this(binaries, scratchRoot, defaultLeaseTtl, maxFetchers, Optional.empty());
        }
    }

    /**
     * What a restore produced.
     *
     * @param dataDir  the restored data directory
     * @param revision the revision it holds: with a revision bump, the backup's revision plus the
     *                 bump (read from the restored database, as a full snapshot's recorded
     *                 revision is only a lower bound)
     * @param objects  objects read
     * @param bytes    bytes downloaded
     * @param took     wall time
     * @param replay   what the delta replay did (zeros when the full snapshot alone was restored)
     */
    public record Result(Path dataDir, long revision, int objects, long bytes, Duration took, ReplayStats replay) {
    }

    /**
     * What one delta replay did.
     *
     * @param revisions        revisions applied to the scratch server
     * @param took             time from the first to the last transaction
     * @param resent           transactions sent again because they overtook their predecessor
     * @param scratchWalFsyncs WAL fsyncs the scratch server made (0 with {@code --unsafe-no-fsync}),
     *                         or -1 when its metrics could not be read
     */
    public record ReplayStats(long revisions, Duration took, long resent, long scratchWalFsyncs) {
        /** A restore that replayed nothing. */
        public static final ReplayStats NONE = new ReplayStats(0, Duration.ZERO, 0, 0);

        /** Revisions applied per second of replay, or 0 when none were. */
        public double revisionsPerSecond() {
            return revisions == 0 || took.isZero() ? 0 : revisions / (took.toNanos() / 1e9);
        }
    }

    private final ObjectStore store;
    private final Settings settings;
    private final EtcdTool tool;
    private final RestoreProgress progress = new RestoreProgress();
    private final ScratchReplay scratch;

    public Restorer(ObjectStore store, Settings settings) {
        this.store = store;
        this.settings = settings;
        this.tool = new EtcdTool(settings.binaries());
        this.scratch = new ScratchReplay(store, settings, tool, progress);
    }

    /** How far the running (or last) restore of this restorer has come. */
    public RestoreProgress progress() {
        return progress;
    }

    /**
     * Restores the state {@code point} names into {@code target}, planning with {@code planner}.
     * For a point in time, a base whose database turns out to be past the target is replaced by
     * the next older full snapshot.
     */
    public Result restore(RestorePlanner planner, RestorePoint point, RestoreTarget target) throws IOException {
        RestorePlan plan = planner.plan(point);
        while (true) {
            try {
                return restore(plan, target);
            } catch (BaseAheadOfTargetException ahead) {
                LOG.info("base full snapshot is past the target, trying an older one key={} recorded_revision={} target_revision={} "
                        + "reason=\"{}\"", ahead.baseKey(), ahead.recordedRevision(), plan.targetRevision(), ahead.getMessage());
                plan = planner.atRevision(plan.targetRevision(), ahead.recordedRevision());
            }
        }
    }

    /**
     * Restores {@code plan} into {@code target}.
     *
     * @throws CorruptObjectException if an object fails verification (named in the message)
     * @throws EtcdBackupException    for other restore failures; the data dir is untouched
     */
    public Result restore(RestorePlan plan, RestoreTarget target) throws IOException {
        long started = System.nanoTime();
        Path dataDir = target.dataDir();
        if (isNonEmptyDirectory(dataDir) && !target.replaceExisting()) {
            throw new EtcdBackupException("data dir " + dataDir + " exists and is not empty; pass --replace-existing to replace it");
        }
        if (Files.exists(dataDir) && !Files.isDirectory(dataDir)) {
            throw new EtcdBackupException("data dir " + dataDir + " exists and is not a directory");
        }
        if (target.bumpRevision() > 0) {
            tool.requireBumpRevision(); // before anything is downloaded
        }
        Path part = dataDir.resolveSibling(dataDir.getFileName() + ".part");
        Path scratchRoot = ScratchPlacement.choose(store, settings, plan,
                settings.scratchRoot() != null ? settings.scratchRoot() : dataDir.getParent());
        Files.createDirectories(scratchRoot);
        Path work = scratchRoot.resolve(dataDir.getFileName() + ".restore-" + UUID.randomUUID().toString().substring(0, 8));
        LOG.info("restore started generation={} base={} deltas={} target_revision={} bytes={} data_dir={}",
                plan.generation(), plan.full().key(), plan.deltas().size(), plan.targetRevision(), plan.totalBytes(), dataDir);
        DirectoryTrees.delete(part);
        Files.createDirectories(work);
        progress.started(plan);
        boolean succeeded = false;
        try {
            Path fullFile = work.resolve("full.db");
            scratch.fetchFull(plan, fullFile);
            long revision;
            ReplayStats stats = ReplayStats.NONE;
            // A point in time always goes through the scratch server: it tells the base's true revision.
            if (plan.deltas().isEmpty() && !plan.exact()) {
                restoreInto(fullFile, part, target, work);
                revision = plan.full().revision();
            } else {
                Path replayed = work.resolve("replayed.db");
                ScratchReplay.Replayed outcome = scratch.replay(plan, fullFile, work, replayed, false);
                revision = outcome.revision();
                stats = outcome.stats();
                Files.delete(fullFile);
                restoreInto(replayed, part, target, work);
            }
            if (target.bumpRevision() > 0) {
                // What the member will start at, from the file etcdutl wrote: the operator compares it with clients' revisions.
                revision = tool.status(part.resolve("member/snap/db")).revision();
            }
            progress.finishing();
            // The scratch server did not fsync; etcd's tool may not have either. Durable before visible.
            DirectoryTrees.sync(part);
            swapIn(part, dataDir);
            succeeded = true;
            Result result = new Result(dataDir, revision, plan.objectCount(), plan.totalBytes(),
                    Duration.ofNanos(System.nanoTime() - started), stats);
            LOG.info("restore finished data_dir={} revision={} bumped_by={} objects={} bytes={} duration_ms={} replayed_revisions={} "
                            + "replay_rate_rev_per_s={} replay_resent={} scratch_wal_fsyncs={}",
                    dataDir, revision, target.bumpRevision(), result.objects(), result.bytes(), result.took().toMillis(), stats.revisions(),
                    Math.round(stats.revisionsPerSecond()), stats.resent(), stats.scratchWalFsyncs());
            return result;
        } catch (IOException | RuntimeException e) {
            DirectoryTrees.delete(part);
            throw e;
        } finally {
            progress.finished(succeeded);
            DirectoryTrees.delete(work);
        }
    }

    private void restoreInto(Path snapshotFile, Path part, RestoreTarget target, Path work) throws IOException {
        tool.restore(snapshotFile, part, target.name(), target.initialCluster(), target.initialAdvertisePeerUrls(),
                target.initialClusterToken(), target.bumpRevision(), target.markCompacted(), work.resolve("restore-target.log"));
    }

    /** Replaces {@code dataDir} with {@code part}; the old directory is removed only after the swap. */
    private static void swapIn(Path part, Path dataDir) throws IOException {
        Path previous = dataDir.resolveSibling(dataDir.getFileName() + ".previous");
        DirectoryTrees.delete(previous);
        boolean hadPrevious = Files.exists(dataDir);
        if (hadPrevious) {
            Files.move(dataDir, previous, StandardCopyOption.ATOMIC_MOVE);
        }
        try {
            Files.move(part, dataDir, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            if (hadPrevious) {
                Files.move(previous, dataDir, StandardCopyOption.ATOMIC_MOVE);
            }
            throw e;
        }
        DirectoryTrees.syncDirectory(dataDir.getParent());
        DirectoryTrees.delete(previous);
    }

    private static boolean isNonEmptyDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isPresent();
        }
    }
}
