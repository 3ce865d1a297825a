package io.etcdbackup.restore.keys;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.KeyValue;
import io.etcdbackup.etcdprocess.DirectoryTrees;
import io.etcdbackup.restore.DeltaSegment;
import io.etcdbackup.restore.NoBackupException;
import io.etcdbackup.restore.RestorePlan;
import io.etcdbackup.restore.RestorePlanner;
import io.etcdbackup.restore.RestorePoint;
import io.etcdbackup.restore.RevisionMismatchException;
import io.etcdbackup.restore.bolt.EtcdBackendFile;
import io.etcdbackup.restore.bolt.RevisionRecord;
import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
import io.etcdbackup.snapshot.format.DeltaEventCodec;
import io.etcdbackup.snapshot.format.ObjectHeader;
import io.etcdbackup.stores.ObjectStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Reads the keys under a prefix as they were at a retained revision, from the backup alone: no
 * etcd runs. The plan is the one a restore to that point would use ({@link RestorePlanner}, which
 * honours exclusions); its full snapshot is downloaded into a scratch directory and its database
 * read in place ({@link EtcdBackendFile}), up to the revision; then the delta segments after the
 * database's own revision are applied, up to the revision. A base whose database was compacted
 * past the revision gives way to the next older full snapshot of the same generation.
 *
 * <p>The scratch directory holds one database (the full snapshot's size) while a view is open;
 * memory holds the keys under the prefix (about 200 bytes each plus the key) and the values that
 * came from delta segments, never the values of the full snapshot.
 */
public final class KeysReader {

    private static final Logger LOG = LoggerFactory.getLogger(KeysReader.class);

    /** The name of each view's scratch directory starts with this. */
    private static final String SCRATCH_PREFIX = "keys-";

    /** Records between two progress lines while the database is read. */
    private static final long PROGRESS_EVERY = 1_000_000;

    private final ObjectStore store;
    private final RestorePlanner planner;

    /**
     * @param store   where the backups are
     * @param planner plans over the same store (with its encryption keys, if any)
     */
    public KeysReader(ObjectStore store, RestorePlanner planner) {
        this.store = store;
        this.planner = planner;
    }

    /**
     * The keys under {@code prefix} at {@code point}: exactly the revision asked for, the newest
     * revision committed by the time asked for, or the latest state. Close the view to remove its
     * scratch directory; on failure none is left.
     *
     * @param scratchRoot where the full snapshot is downloaded (created if missing)
     * @throws NoBackupException                          if no retained chain holds the point
     * @throws io.etcdbackup.restore.RevisionGapException if the chain up to the point has a gap
     * @throws RevisionMismatchException                  if the chain ends before the revision
     * @throws IOException                                if the store or the scratch directory fail
     */
    public PrefixView read(RestorePoint point, KeyPrefix prefix, Path scratchRoot) throws IOException {
        return read(point, prefix, scratchRoot, Long.MAX_VALUE);
    }

    /**
     * As {@link #read(RestorePoint, KeyPrefix, Path)}, holding at most {@code maxKeys} keys at any
     * moment of the reading (memory grows with the keys held).
     *
     * @throws TooManyKeysException when more keys are under the prefix
     */
    public PrefixView read(RestorePoint point, KeyPrefix prefix, Path scratchRoot, long maxKeys) throws IOException {
        RestorePlan plan = planner.plan(point);
        while (true) {
            Path scratch = Files.createDirectories(scratchRoot.resolve(SCRATCH_PREFIX + UUID.randomUUID().toString().substring(0, 8)));
            PrefixView view = null;
            RestorePlan older = null;
            try {
                Path file = scratch.resolve("full.db");
                plan.format().fetchFull(store, plan.full(), file);
                EtcdBackendFile database = EtcdBackendFile.open(file);
                try {
                    long compacted = database.compactedRevision();
                    if (plan.exact() && compacted > plan.targetRevision()) {
                        older = olderBase(plan, compacted);
                    } else {
                        view = assemble(plan, database, new Selection(prefix, maxKeys), scratch);
                    }
                } finally {
                    if (view == null) {
                        database.close();
                    }
                }
            } catch (IOException | RuntimeException e) {
                deleteQuietly(scratch, e);
                throw e;
            }
            if (view != null) {
                return view;
            }
            DirectoryTrees.delete(scratch);
            plan = older;
        }
    }

    /** The plan from the next older full snapshot of the same generation, which may still hold the revision. */
    private RestorePlan olderBase(RestorePlan plan, long compacted) throws IOException {
        LOG.info("full snapshot compacted past the revision, planning from an older one key={} compacted_revision={} revision={}",
                plan.full().key(), compacted, plan.targetRevision());
        String refusal = "no full snapshot of generation " + plan.generation() + " older than " + plan.full().key()
                + " holds revision " + plan.targetRevision() + " (that one's database was compacted at revision " + compacted + ")";
        RestorePlan older;
        try {
            older = planner.atRevision(plan.targetRevision(), plan.full().revision());
        } catch (NoBackupException e) {
            throw new NoBackupException(refusal);
        }
        if (!older.generation().equals(plan.generation())) {
            throw new NoBackupException(refusal); // another generation's revision numbers mean another history
        }
        return older;
    }

    /** The keys to hold: those under the prefix, at most {@code maxKeys} of them. */
    private record Selection(KeyPrefix prefix, long maxKeys) {

        void put(TreeMap<ByteString, PrefixView.Entry> keys, ByteString key, PrefixView.Entry entry) {
            keys.put(key, entry);
            if (keys.size() > maxKeys) {
                throw new TooManyKeysException(prefix, maxKeys);
            }
        }
    }

    private PrefixView assemble(RestorePlan plan, EtcdBackendFile database, Selection selection, Path scratch) throws IOException {
        KeyPrefix prefix = selection.prefix();
        long limit = plan.exact() ? plan.targetRevision() : Long.MAX_VALUE;
        TreeMap<ByteString, PrefixView.Entry> keys = new TreeMap<>(ByteString.unsignedLexicographicalComparator());
        // etcd starts at revision 1; the full snapshot's recorded revision is a proven lower bound of its
        // database's; a compaction removes tombstones up to its revision: the newest record may be older.
        DatabaseScan scan = new DatabaseScan(Math.max(Math.max(1, database.compactedRevision()), plan.full().revision()));
        database.forEachRevision(record -> scan.visit(record, limit, selection, keys));
        Map<Long, Long> ttls = new HashMap<>(database.leaseTtls());
        long revision = applyDeltas(plan, scan.revision, limit, selection, keys, ttls);
        if (plan.exact() && revision != plan.targetRevision()) {
            throw new RevisionMismatchException("the chain of generation " + plan.generation(), plan.targetRevision(), revision);
        }
        LOG.info("keys read prefix=\"{}\" revision={} keys={} base={} segments={}", prefix, revision, keys.size(), plan.full().key(),
                plan.deltas().size());
        return new PrefixView(revision, plan.generation(), keys, ttls, database, scratch);
    }

    /** The newest revision the database holds up to the limit, and the records counted for progress. */
    private static final class DatabaseScan {
        private long revision;
        private long records;

        DatabaseScan(long lowerBound) {
            this.revision = lowerBound;
        }

        void visit(RevisionRecord record, long limit, Selection selection, TreeMap<ByteString, PrefixView.Entry> keys) {
            if (record.mainRevision() > limit) {
                return;
            }
            revision = Math.max(revision, record.mainRevision());
            if (++records % PROGRESS_EVERY == 0) {
                LOG.info("reading full snapshot records={} keys={} revision={}", records, keys.size(), record.mainRevision());
            }
            if (selection.prefix().matches(record.key())) {
                if (record.tombstone()) {
                    keys.remove(record.key());
                } else {
                    selection.put(keys, record.key(), new PrefixView.InDatabase(record));
                }
            }
        }
    }

    /** @return the revision reached */
    private long applyDeltas(RestorePlan plan, long databaseRevision, long limit, Selection selection,
                             TreeMap<ByteString, PrefixView.Entry> keys, Map<Long, Long> ttls) throws IOException {
        long revision = databaseRevision;
        for (DeltaSegmentRef ref : plan.deltas()) {
            if (revision >= limit) {
                break;
            }
            if (ref.lastRevision() <= revision) {
                continue;
            }
            DeltaSegment segment = plan.format().readDelta(store, ref);
            for (ObjectHeader.LeaseRecord lease : segment.leases()) {
                if (lease.grantedTtl() > 0) {
                    ttls.putIfAbsent(lease.id(), lease.grantedTtl());
                }
            }
            long applied = revision; // events of this segment at or below it are applied already (overlapping segments)
            for (Event event : segment.events()) {
                long eventRevision = DeltaEventCodec.revisionOf(event);
                if (eventRevision <= applied || eventRevision > limit) {
                    continue;
                }
                if (eventRevision > revision + 1) {
                    throw new RevisionMismatchException("segment " + ref.key() + " (revisions missing after " + revision + ")",
                            revision + 1, eventRevision);
                }
                revision = eventRevision;
                KeyValue kv = event.getKv();
                if (selection.prefix().matches(kv.getKey())) {
                    if (event.getType() == Event.EventType.DELETE) {
                        keys.remove(kv.getKey());
                    } else {
                        selection.put(keys, kv.getKey(), new PrefixView.FromDelta(kv));
                    }
                }
            }
        }
        return revision;
    }

    /**
     * Removes the scratch directories under {@code scratchRoot} that a process killed while a view
     * was open left behind. Call it only when no view is open there.
     *
     * @return what was removed
     */
    public static List<Path> removeLeftovers(Path scratchRoot) throws IOException {
        return DirectoryTrees.deleteMatching(scratchRoot, SCRATCH_PREFIX + "*");
    }

    private static void deleteQuietly(Path scratch, Exception failure) {
        try {
            DirectoryTrees.delete(scratch);
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
    }
}
