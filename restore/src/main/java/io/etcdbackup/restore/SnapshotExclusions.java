package io.etcdbackup.restore;

import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
import io.etcdbackup.snapshot.catalog.FullSnapshotRef;
import io.etcdbackup.snapshot.catalog.Generation;
import io.etcdbackup.stores.NoSuchObjectException;
import io.etcdbackup.stores.ObjectStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;

/**
 * The snapshots an operator excluded from restores by labelling them
 * {@code x-etcd-snapshot-exclude=true} with the provider's own tools (S3 or OSS object tag, Azure
 * blob index tag, GCS custom metadata, Swift object metadata, a local file's {@code user.}
 * attribute), as the reference allows: on an immutable bucket a bad snapshot cannot be deleted,
 * but its labels can still change.
 *
 * <p>Labels are read per object ({@link ObjectStore#labels}), so only for the objects a plan
 * would use, {@value #PARALLEL_READS} at a time, each once per instance. A key whose object is
 * gone counts as not excluded (reading it fails later, naming it). Labels are an operator's
 * override, never a condition of a restore: when the store will not give them (the agent's
 * credentials lack the permission for object tags, say), that is logged once at WARN and nothing
 * counts as excluded.
 */
public final class SnapshotExclusions {

    private static final Logger LOG = LoggerFactory.getLogger(SnapshotExclusions.class);

    /** The label, and the value that excludes. */
    public static final String LABEL = "x-etcd-snapshot-exclude";
    static final int PARALLEL_READS = 8;

    private final ObjectStore store;
    private final Map<String, Boolean> known = new ConcurrentHashMap<>();
    /** Set when the store refused a label read (e.g. no permission for object tags): no more are tried. */
    private volatile boolean unreadable;

    public SnapshotExclusions(ObjectStore store) {
        this.store = store;
    }

    /** Whether the operator excluded the object under {@code key} (false when its labels cannot be read). */
    public boolean isExcluded(String key) {
        Boolean cached = known.get(key);
        if (cached != null) {
            return cached;
        }
        if (unreadable) {
            return false;
        }
        boolean excluded;
        try {
            excluded = "true".equalsIgnoreCase(store.labels(key).getOrDefault(LABEL, "").strip());
        } catch (NoSuchObjectException gone) {
            excluded = false;
        } catch (IOException e) {
            if (!unreadable) {
                unreadable = true;
                LOG.warn("cannot read snapshot labels, so the exclusion label is not honoured: nothing counts as excluded label={} store={}",
                        LABEL, store.location(), e);
            }
            return false;
        }
        known.put(key, excluded);
        return excluded;
    }

    /** Which of {@code keys} are excluded, the labels not read yet read {@value #PARALLEL_READS} at a time. */
    public Set<String> excludedAmong(Collection<String> keys) throws IOException {
        List<Callable<Boolean>> reads = keys.stream().distinct().filter(k -> !known.containsKey(k))
                .map(k -> (Callable<Boolean>) () -> isExcluded(k)).toList();
        if (reads.size() > 1) {
            ExecutorService pool = Executors.newFixedThreadPool(Math.min(PARALLEL_READS, reads.size()), r -> {
                Thread t = new Thread(r, "snapshot-labels");
                t.setDaemon(true);
                return t;
            });
            try {
                pool.invokeAll(reads);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted reading snapshot labels in " + store.location(), e);
            } finally {
                pool.shutdownNow();
            }
        }
        return keys.stream().filter(this::isExcluded).collect(Collectors.toCollection(TreeSet::new));
    }

    /** The keys of every object {@code plan} reads. */
    static List<String> keysOf(RestorePlan plan) {
        List<String> keys = new ArrayList<>();
        keys.add(plan.full().key());
        plan.deltas().forEach(d -> keys.add(d.key()));
        return keys;
    }

    /**
     * {@code generations} without the {@code excluded} objects. With {@code cutAtExcludedDelta}
     * (planning the latest state), a chain also ends before the first excluded delta segment
     * after its newest remaining full snapshot, so the latest state is the last one reachable
     * without it rather than a gap.
     */
    static List<Generation> without(List<Generation> generations, Set<String> excluded, boolean cutAtExcludedDelta) {
        if (excluded.isEmpty()) {
            return generations;
        }
        List<Generation> kept = new ArrayList<>();
        for (Generation g : generations) {
            List<FullSnapshotRef> fulls = g.fulls().stream().filter(f -> !excluded.contains(f.key())).toList();
            long base = fulls.stream().mapToLong(FullSnapshotRef::revision).max().orElse(0);
            long cut = Long.MAX_VALUE;
            if (cutAtExcludedDelta) {
                for (DeltaSegmentRef d : g.deltas()) {
                    if (excluded.contains(d.key()) && d.lastRevision() > base) {
                        cut = Math.min(cut, d.firstRevision());
                    }
                }
            }
            long end = cut;
            kept.add(new Generation(g.id(), fulls,
                    g.deltas().stream().filter(d -> !excluded.contains(d.key()) && d.firstRevision() < end).toList()));
        }
        return kept;
    }
}
