package io.etcdbackup.restore.keys;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.KeyValue;
import io.etcdbackup.etcdprocess.DirectoryTrees;
import io.etcdbackup.restore.DeltaSegment;
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
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads the keys under a prefix as they were at a retained revision, from the backup alone: no
 * etcd runs. The plan is the one a restore to that point would use ({@link RestorePlanner}, which
 * honours exclusions); its full snapshot is downloaded into a scratch directory and its database
 * read in place ({@link EtcdBackendFile}), up to the revision; then the delta segments after the
 * database's own revision are applied, up to the revision.
 *
 * <p>Bounded: the scratch directory holds one database (the full snapshot's size); memory holds
 * the keys under the prefix and the values that came from delta segments, never the values of
 * the full snapshot.
 */
public final class KeysReader {

    private static final Logger LOG = LoggerFactory.getLogger(KeysReader.class);

    /** Records between two progress lines while the database is read. */
    private static final long PROGRESS_EVERY = 1_000_000;

    private final ObjectStore store;
    private final RestorePlanner planner;
    private final Path scratchRoot;

    /**
     * @param store       where the backups are
     * @param planner     plans over the same store (with its encryption keys, if any)
     * @param scratchRoot where the full snapshot is downloaded (created if missing)
     */
    public KeysReader(ObjectStore store, RestorePlanner planner, Path scratchRoot) {
        this.store = store;
        this.planner = planner;
        this.scratchRoot = scratchRoot;
    }

    /**
     * The keys under {@code prefix} at {@code point}: exactly the revision asked for, the newest
     * revision committed by the time asked for, or the latest state.
     *
     * @throws io.etcdbackup.restore.NoBackupException    if no retained chain holds the point
     * @throws io.etcdbackup.restore.RevisionGapException if the chain up to the point has a gap
     * @throws RevisionMismatchException                  if the chain ends before the revision
     * @throws IOException                                if the store or the scratch directory fail
     */
    public PrefixView read(RestorePoint point, KeyPrefix prefix) throws IOException {
        RestorePlan plan = planner.plan(point);
        boolean replanned = false;
        while (true) {
            Path scratch = Files.createDirectories(scratchRoot).resolve("keys-" + java.util.UUID.randomUUID().toString().substring(0, 8));
            Files.createDirectories(scratch);
            PrefixView view = null;
            RestorePlan older = null;
            try {
                Path file = scratch.resolve("full.db");
                plan.format().fetchFull(store, plan.full(), file);
                EtcdBackendFile database = EtcdBackendFile.open(file);
                try {
                    long compacted = database.compactedRevision();
                    if (plan.exact() && compacted > plan.targetRevision() && !replanned) {
                        // The base's database was compacted past the revision asked for: an older base may hold it.
                        LOG.info("full snapshot compacted past the revision, planning from an older one key={} compacted_revision={} revision={}",
                                plan.full().key(), compacted, plan.targetRevision());
                        older = planner.atRevision(plan.targetRevision(), plan.full().revision());
                    } else {
                        view = assemble(plan, database, prefix, scratch);
                    }
                } finally {
                    if (view == null) {
                        database.close();
                    }
                }
            } finally {
                if (view == null) {
                    DirectoryTrees.delete(scratch);
                }
            }
            if (view != null) {
                return view;
            }
            plan = older;
            replanned = true;
        }
    }

    private PrefixView assemble(RestorePlan plan, EtcdBackendFile database, KeyPrefix prefix, Path scratch) throws IOException {
        long limit = plan.exact() ? plan.targetRevision() : Long.MAX_VALUE;
        long compacted = database.compactedRevision();
        if (compacted > limit) {
            throw new RevisionMismatchException("full snapshot " + plan.full().key() + " (compacted at revision " + compacted
                    + ", no older base holds the revision)", limit, compacted);
        }
        TreeMap<ByteString, Object> keys = new TreeMap<>(ByteString.unsignedLexicographicalComparator());
        // etcd starts at revision 1; the full snapshot's recorded revision is a proven lower bound of its
        // database's; a compaction removes tombstones up to its revision: the newest record may be older.
        long[] seen = {Math.max(Math.max(1, compacted), plan.full().revision()), 0};
        database.forEachRevision(record -> {
            if (record.mainRevision() > limit) {
                return;
            }
            seen[0] = Math.max(seen[0], record.mainRevision());
            if (++seen[1] % PROGRESS_EVERY == 0) {
                LOG.info("reading full snapshot records={} keys={} revision={}", seen[1], keys.size(), record.mainRevision());
            }
            if (prefix.matches(record.key())) {
                if (record.tombstone()) {
                    keys.remove(record.key());
                } else {
                    keys.put(record.key(), record);
                }
            }
        });
        long databaseRevision = seen[0];
        Map<Long, Long> ttls = new HashMap<>(database.leaseTtls());
        long revision = applyDeltas(plan, databaseRevision, limit, prefix, keys, ttls);
        if (plan.exact() && revision != plan.targetRevision()) {
            throw new RevisionMismatchException("the chain of generation " + plan.generation(), plan.targetRevision(), revision);
        }
        LOG.info("keys read prefix={} revision={} keys={} base={} segments={}", prefix, revision, keys.size(), plan.full().key(),
                plan.deltas().size());
        return new PrefixView(revision, plan.generation(), keys, ttls, database, scratch);
    }

    /** @return the revision reached */
    private long applyDeltas(RestorePlan plan, long databaseRevision, long limit, KeyPrefix prefix,
                             TreeMap<ByteString, Object> keys, Map<Long, Long> ttls) throws IOException {
        long revision = databaseRevision;
        for (DeltaSegmentRef ref : plan.deltas()) {
            if (ref.lastRevision() <= revision) {
                continue;
            }
            if (revision >= limit) {
                break;
            }
            DeltaSegment segment = plan.format().readDelta(store, ref);
            for (ObjectHeader.LeaseRecord lease : segment.leases()) {
                if (lease.grantedTtl() > 0) {
                    ttls.putIfAbsent(lease.id(), lease.grantedTtl());
                }
            }
            for (Event event : segment.events()) {
                long eventRevision = DeltaEventCodec.revisionOf(event);
                if (eventRevision <= databaseRevision || eventRevision > limit) {
                    continue;
                }
                if (eventRevision > revision + 1) {
                    throw new RevisionMismatchException("segment " + ref.key() + " (revisions missing after " + revision + ")",
                            revision + 1, eventRevision);
                }
                revision = eventRevision;
                KeyValue kv = event.getKv();
                if (prefix.matches(kv.getKey())) {
                    if (event.getType() == Event.EventType.DELETE) {
                        keys.remove(kv.getKey());
                    } else {
                        keys.put(kv.getKey(), kv);
                    }
                }
            }
        }
        return revision;
    }
}
