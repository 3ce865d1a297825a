package io.etcdbackup.compaction;

import io.etcdbackup.etcdprocess.DirectoryTrees;
import io.etcdbackup.restore.RestoreEstimate;
import io.etcdbackup.restore.RestorePlan;
import io.etcdbackup.restore.RestorePlanner;
import io.etcdbackup.restore.Restorer;
import io.etcdbackup.restore.SnapshotMaterialiser;
import io.etcdbackup.snapshot.EtcdBackupException;
import io.etcdbackup.snapshot.catalog.BackupLayout;
import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.snapshot.catalog.FullSnapshotRef;
import io.etcdbackup.snapshot.catalog.GenerationInfo;
import io.etcdbackup.snapshot.format.Codec;
import io.etcdbackup.snapshot.format.ObjectHeader;
import io.etcdbackup.snapshot.format.ObjectPublisher;
import io.etcdbackup.stores.ObjectAlreadyExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Folds the latest chain of the newest generation into a new base: restores its full snapshot and
 * delta segments into a scratch etcd on loopback (verifying every object), compacts the history
 * at the last revision, defragments, and publishes the result as a full snapshot of the same
 * generation at exactly that revision. Restores of the latest state then read one full snapshot
 * (and the segments published after it); earlier points stay restorable from the older bases and
 * segments for as long as retention keeps them. Nothing is changed unless the new full snapshot
 * is complete and verified on its way into the store.
 */
public final class Compactor {

    private static final Logger LOG = LoggerFactory.getLogger(Compactor.class);
    /** The name of each compaction's snapshot file starts with this. */
    private static final String SNAPSHOT_PREFIX = "compacted-";

    /**
     * @param restore     how to replay (etcd binaries, scratch dir, fetchers)
     * @param scratchRoot where the scratch server, downloads and the new snapshot file go
     * @param codec       compression of the published full snapshot
     * @param level       its compression level
     */
    public record Settings(Restorer.Settings restore, Path scratchRoot, Codec codec, int level) {
    }

    /**
     * What a run did.
     *
     * @param compacted      whether a new base was published
     * @param reason         why not, when it was not
     * @param full           the new base
     * @param deltasFolded   delta segments the new base replaces for restores of the latest state
     * @param revisionsFolded revisions those segments held (after the previous base)
     * @param restoreBefore  estimated restore time of the latest state before
     * @param took           wall time
     */
    public record Result(boolean compacted, String reason, Optional<FullSnapshotRef> full, int deltasFolded, long revisionsFolded,
                         Duration restoreBefore, Duration took) {
    }

    private final Catalog catalog;
    private final Settings settings;
    private final Clock clock;

    /** {@code catalog} must be writable (the new base is indexed in it). */
    public Compactor(Catalog catalog, Settings settings, Clock clock) {
        this.catalog = catalog;
        this.settings = settings;
        this.clock = clock;
    }

    /**
     * Compacts the latest chain, unless it has no delta segments after its newest full snapshot.
     *
     * @throws EtcdBackupException for a store without this agent's backups, or a failed replay
     */
    public Result compact() throws IOException {
        long started = System.nanoTime();
        if (catalog.latestRestorable().isEmpty()) {
            throw new EtcdBackupException("nothing to compact in " + catalog.store().location() + ": no full snapshot of this agent");
        }
        RestorePlan plan = new RestorePlanner(catalog).latest();
        Duration before = RestoreEstimate.DEFAULT.of(plan);
        if (plan.deltas().isEmpty()) {
            return new Result(false, "the newest full snapshot already holds the latest state", Optional.empty(), 0, 0, before,
                    Duration.ofNanos(System.nanoTime() - started));
        }
        LOG.info("compaction started generation={} base_revision={} deltas={} target_revision={} bytes={}", plan.generation(),
                plan.full().revision(), plan.deltas().size(), plan.targetRevision(), plan.totalBytes());
        Files.createDirectories(settings.scratchRoot());
        Path snapshot = settings.scratchRoot().resolve(SNAPSHOT_PREFIX + UUID.randomUUID().toString().substring(0, 8) + ".db");
        try {
            SnapshotMaterialiser materialiser = new SnapshotMaterialiser(catalog.store(), settings.restore());
            long revision = materialiser.materialise(plan, settings.scratchRoot(), snapshot);
            FullSnapshotRef full = publish(plan.generation(), revision, snapshot);
            catalog.recordFull(full);
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            LOG.info("compaction finished generation={} revision={} key={} stored_bytes={} deltas_folded={} duration_ms={}",
                    plan.generation(), revision, full.key(), full.size(), plan.deltas().size(), took.toMillis());
            return new Result(true, "", Optional.of(full), plan.deltas().size(), revision - plan.full().revision(), before, took);
        } finally {
            Files.deleteIfExists(snapshot);
        }
    }

    private FullSnapshotRef publish(String generation, long revision, Path snapshot) throws IOException {
        Instant now = clock.instant();
        long clusterId = catalog.generationInfo(generation).map(GenerationInfo::clusterId).orElse(0L);
        ObjectHeader header = ObjectHeader.compactedBase(generation, revision, clusterId, settings.restore().binaries().version(),
                settings.codec(), now);
        String key = BackupLayout.fullKey(generation, revision, now);
        ObjectPublisher.Published published;
        try {
            published = new ObjectPublisher(catalog.store(), catalog.encryption()).publish(key, header, settings.level(), ObjectPublisher.IfExists.FAIL, out -> {
                try (InputStream in = Files.newInputStream(snapshot)) {
                    in.transferTo(out);
                }
            });
        } catch (ObjectAlreadyExistsException e) {
            throw new EtcdBackupException("a full snapshot " + key + " already exists; run compaction again", e);
        }
        return new FullSnapshotRef(key, generation, revision, now, published.size());
    }

    /**
     * Removes what a compaction killed midway left under {@code scratchRoot} (its snapshot file and
     * its scratch server's work directory). Call it only when no compaction runs there: when the
     * process starts.
     *
     * @return what was removed
     */
    public static List<Path> removeLeftovers(Path scratchRoot) throws IOException {
        List<Path> removed = new ArrayList<>(SnapshotMaterialiser.removeLeftovers(scratchRoot));
        removed.addAll(DirectoryTrees.deleteMatching(scratchRoot, SNAPSHOT_PREFIX + "*.db"));
        return removed;
    }
}
