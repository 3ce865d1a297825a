package io.etcdbackup.restore.imports;

import io.etcdbackup.restore.BackupSource;
import io.etcdbackup.restore.RestorePlan;
import io.etcdbackup.restore.RestorePlanner;
import io.etcdbackup.restore.RevisionGapException;
import io.etcdbackup.snapshot.catalog.BackupLayout;
import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
import io.etcdbackup.snapshot.catalog.FullSnapshotRef;
import io.etcdbackup.snapshot.catalog.Generation;
import io.etcdbackup.stores.ObjectInfo;
import io.etcdbackup.stores.ObjectIterator;
import io.etcdbackup.stores.ObjectStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Backups written by other tools, found under a store without configuration:
 *
 * <ol>
 *   <li>gardener/etcd-backup-restore's layout: {@code v2/Full-*} and {@code v2/Incr-*} (one chain,
 *       id {@code v2}) and the legacy {@code v1/Backup-<unix>/Full-*|Incr-*} (one chain per
 *       folder, id {@code v1/Backup-<unix>}). Keys that do not parse (Swift chunk segments, other
 *       files) are ignored.</li>
 *   <li>Plain {@code etcdctl snapshot save} files: any object outside {@code eba-v1/}, {@code v1/}
 *       and {@code v2/} whose size is 32 more than a multiple of 512 (etcd's own test for "has a
 *       SHA-256 trailer": bbolt files are whole pages) and whose bytes 16..19 are bbolt's meta
 *       magic {@code 0xED0CDAED} (little-endian). One ranged read of 4 bytes per candidate. All of
 *       them form the chain {@code etcd-snapshot}; their revision is unknown and recorded as 0.</li>
 * </ol>
 *
 * The objects are reported with this project's catalog records: for reference objects
 * {@link FullSnapshotRef#createdAt()} and {@link DeltaSegmentRef#publishedAt()} are the time in the
 * name, for plain snapshots the store's modification time; sizes are the stored (compressed) sizes.
 * A full snapshot's revision is the last revision in its name.
 *
 * <p>The agent hands it to the {@link RestorePlanner} as the source read after its own catalog.
 */
public final class ReferenceLayout implements BackupSource {

    /** The chain id of plain etcd snapshot files. */
    public static final String PLAIN_SNAPSHOTS = "etcd-snapshot";

    private static final Logger LOG = LoggerFactory.getLogger(ReferenceLayout.class);
    private static final byte[] BBOLT_MAGIC_LE = {(byte) 0xED, (byte) 0xDA, (byte) 0x0C, (byte) 0xED};

    private final ObjectStore store;

    private ReferenceLayout(ObjectStore store) {
        this.store = store;
    }

    /** The reference's layout and plain snapshot files under {@code store}. */
    public static ReferenceLayout of(ObjectStore store) {
        return new ReferenceLayout(store);
    }

    @Override
    public String description() {
        return "etcd-backup-restore's v2/Full-* and v1/Backup-*/Full-* objects, and plain etcd snapshot files (etcdctl snapshot save)";
    }

    /**
     * Every chain found, for listing: the reference's {@code v1/Backup-*} folders (oldest first),
     * then {@code v2}, then the plain snapshots; each with its full snapshots by revision (then
     * time) and its deltas by first revision. Chains with no objects are left out. Lists
     * {@code v1/}, {@code v2/} and the whole store (for plain snapshots).
     */
    @Override
    public List<Generation> generations() throws IOException {
        List<Generation> all = new ArrayList<>(referenceChains());
        plainSnapshots().ifPresent(all::add);
        return all;
    }

    /**
     * The latest restorable state, or empty when the store holds no full snapshot of these kinds.
     * Among the reference's chains, the one whose newest full snapshot has the highest revision
     * (then the newest name time; {@code v2} wins a tie) is used: its newest full snapshot plus
     * every delta after it. Deltas may overlap (a wholly covered one is skipped) but must not
     * leave a gap. Plain snapshots are used only when no reference full snapshot exists; the most
     * recently modified one is restored, without deltas.
     *
     * @throws RevisionGapException                 if the deltas after the base leave revisions out
     * @throws UnsupportedReferenceObjectException if an object of the plan is LZW-compressed ({@code .Z})
     */
    @Override
    public Optional<RestorePlan> latestPlan() throws IOException {
        Generation newest = null;
        for (Generation chain : referenceChains()) {
            if (chain.latestFull().isEmpty()) {
                continue;
            }
            if (newest == null || NEWEST_FULL.compare(chain.latestFull().get(), newest.latestFull().get()) >= 0) {
                newest = chain;
            }
        }
        if (newest == null) {
            newest = plainSnapshots().orElse(null);
        }
        if (newest == null) {
            return Optional.empty();
        }
        RestorePlan plan = RestorePlanner.planFrom(newest, ReferenceFormat.INSTANCE);
        ReferenceFormat.compressionOf(plan.full().key());
        for (DeltaSegmentRef delta : plan.deltas()) {
            ReferenceFormat.compressionOf(delta.key());
        }
        LOG.info("importing backups of another tool chain={} base={} deltas={} target_revision={} bytes={}",
                plan.generation(), plan.full().key(), plan.deltas().size(), plan.targetRevision(), plan.totalBytes());
        return Optional.of(plan);
    }

    private static final Comparator<FullSnapshotRef> NEWEST_FULL =
            Comparator.comparingLong(FullSnapshotRef::revision).thenComparing(FullSnapshotRef::createdAt);

    private List<Generation> referenceChains() throws IOException {
        Map<String, List<FullSnapshotRef>> fulls = new TreeMap<>();
        Map<String, List<DeltaSegmentRef>> deltas = new TreeMap<>();
        for (String prefix : List.of(ReferenceName.V1, ReferenceName.V2)) {
            ObjectIterator listing = store.list(prefix);
            while (listing.hasNext()) {
                ObjectInfo info = listing.next();
                Optional<ReferenceName> parsed = ReferenceName.parse(info.key());
                if (parsed.isEmpty()) {
                    LOG.debug("ignoring object that is not a reference snapshot key={}", info.key());
                    continue;
                }
                ReferenceName name = parsed.get();
                fulls.computeIfAbsent(name.folder(), f -> new ArrayList<>());
                deltas.computeIfAbsent(name.folder(), f -> new ArrayList<>());
                if (name.full()) {
                    fulls.get(name.folder()).add(new FullSnapshotRef(info.key(), name.folder(), name.last(), name.createdAt(), info.size()));
                } else {
                    deltas.get(name.folder()).add(new DeltaSegmentRef(info.key(), name.folder(), name.first(), name.last(),
                            info.size(), name.createdAt()));
                }
            }
        }
        List<Generation> chains = new ArrayList<>();
        List<String> order = new ArrayList<>(fulls.keySet());
        // v1 folders by their time (numerically: "Backup-99" is older than "Backup-100"), v2 last
        order.sort(Comparator.comparing((String f) -> f.equals("v2")).thenComparingLong(ReferenceLayout::folderTime));
        for (String folder : order) {
            List<FullSnapshotRef> f = new ArrayList<>(fulls.get(folder));
            f.sort(NEWEST_FULL);
            List<DeltaSegmentRef> d = new ArrayList<>(deltas.get(folder));
            d.sort(Comparator.comparingLong(DeltaSegmentRef::firstRevision).thenComparingLong(DeltaSegmentRef::lastRevision));
            chains.add(new Generation(folder, f, d));
        }
        return chains;
    }

    private static long folderTime(String folder) {
        return folder.startsWith("v1/Backup-") ? Long.parseLong(folder.substring("v1/Backup-".length())) : Long.MAX_VALUE;
    }

    private Optional<Generation> plainSnapshots() throws IOException {
        List<FullSnapshotRef> found = new ArrayList<>();
        ObjectIterator listing = store.list("");
        while (listing.hasNext()) {
            ObjectInfo info = listing.next();
            String key = info.key();
            if (key.startsWith(BackupLayout.ROOT) || key.startsWith(ReferenceName.V1) || key.startsWith(ReferenceName.V2)) {
                continue;
            }
            if (info.size() < 512 + 32 || info.size() % 512 != 32 || !hasBboltMagic(key)) {
                continue;
            }
            found.add(new FullSnapshotRef(key, PLAIN_SNAPSHOTS, 0, info.lastModified(), info.size()));
        }
        if (found.isEmpty()) {
            return Optional.empty();
        }
        found.sort(Comparator.comparing(FullSnapshotRef::createdAt).thenComparing(FullSnapshotRef::key));
        if (found.size() > 1) {
            LOG.info("several plain etcd snapshots found count={} newest={}", found.size(), found.get(found.size() - 1).key());
        }
        return Optional.of(new Generation(PLAIN_SNAPSHOTS, found, List.of()));
    }

    private boolean hasBboltMagic(String key) throws IOException {
        try (InputStream in = store.open(key, 16, 4)) {
            return java.util.Arrays.equals(in.readNBytes(4), BBOLT_MAGIC_LE);
        }
    }
}
