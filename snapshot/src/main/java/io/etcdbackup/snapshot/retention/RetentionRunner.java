package io.etcdbackup.snapshot.retention;

import io.etcdbackup.snapshot.catalog.BackupLayout;
import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.snapshot.catalog.CatalogState;
import io.etcdbackup.snapshot.catalog.CatalogWriter;
import io.etcdbackup.stores.ObjectInfo;
import io.etcdbackup.stores.ObjectIterator;
import io.etcdbackup.stores.ObjectStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Carries out a {@link RetentionPolicy}: index first, objects after.
 *
 * <ol>
 *   <li>One catalog update decides on the newest version and takes the deleted objects out of
 *       the index, recording each as removed (with when and why). From then on no plan uses them.</li>
 *   <li>Objects removed longer ago than the grace period are deleted from the store; a restore
 *       that planned from an older version has had the grace period to read them.</li>
 *   <li>A second update forgets the deleted objects.</li>
 * </ol>
 *
 * A crash at any step leaves a consistent catalog: every indexed object exists; at worst removed
 * objects remain in the store or in the removed list, and the next run finishes the job. With
 * {@code collectOrphans}, objects of this layout that no catalog version indexes (published by a
 * writer that crashed or was fenced before indexing them) and that are older than the grace
 * period are removed the same way.
 */
public final class RetentionRunner {

    private static final Logger LOG = LoggerFactory.getLogger(RetentionRunner.class);

    /**
     * What a run did or, in a dry run, would do.
     *
     * @param decision       the policy's decision on the newest catalog version
     * @param orphans        unindexed objects found and removed from the store's view
     * @param deletedObjects objects deleted from the store in this run (after their grace period)
     * @param awaitingGrace  removed objects still inside their grace period
     */
    public record Result(RetentionDecision decision, List<String> orphans, List<String> deletedObjects, int awaitingGrace) {
    }

    private final Catalog catalog;
    private final CatalogWriter writer;
    private final RetentionPolicy policy;
    private final Duration grace;
    private final Clock clock;

    public RetentionRunner(Catalog catalog, RetentionPolicy policy, Duration grace, Clock clock) {
        this.catalog = catalog;
        this.writer = catalog.writer().orElseThrow(() -> new IllegalArgumentException("retention needs a writable catalog"));
        this.policy = policy;
        this.grace = grace;
        this.clock = clock;
    }

    /** What a run would delete now, touching nothing. */
    public RetentionDecision preview() throws IOException {
        return policy.decide(catalog.generations(), clock.instant());
    }

    /** Runs retention once. */
    public Result run(boolean collectOrphans) throws IOException {
        Instant now = clock.instant();
        AtomicReference<RetentionDecision> decided = new AtomicReference<>();
        List<String> orphans = collectOrphans ? orphans(now) : List.of();
        writer.update(state -> {
            RetentionDecision decision = policy.decide(state.toGenerations(), now);
            decided.set(decision);
            return unindex(state, decision, orphans, now);
        });
        RetentionDecision decision = decided.get();
        if (!decision.deletesNothing() || !orphans.isEmpty()) {
            LOG.info("retention unindexed objects={} bytes={} orphans={} generations={}", decision.deletions().size(),
                    decision.deletedBytes(), orphans.size(), decision.deletedGenerations());
        }

        CatalogState current = catalog.index().orElseThrow();
        List<String> due = new ArrayList<>();
        int waiting = 0;
        for (CatalogState.RemovedObject removed : current.removed()) {
            if (!removed.removedAt().plus(grace).isAfter(now)) {
                due.add(removed.key());
            } else {
                waiting++;
            }
        }
        ObjectStore store = catalog.store();
        for (String key : due) {
            store.delete(key);
        }
        if (!due.isEmpty()) {
            Set<String> deleted = new HashSet<>(due);
            writer.update(state -> new CatalogState(state.formatVersion(), state.sequence(), state.epoch(), state.writer(),
                    state.updatedAt(), state.generations(),
                    state.removed().stream().filter(r -> !deleted.contains(r.key())).toList()));
            LOG.info("retention deleted objects={} awaiting_grace={}", due.size(), waiting);
        }
        return new Result(decision, orphans, due, waiting);
    }

    private static CatalogState unindex(CatalogState state, RetentionDecision decision, List<String> orphans, Instant now) {
        Set<String> gone = new HashSet<>(decision.deletedKeys());
        Set<String> droppedGenerations = new HashSet<>(decision.deletedGenerations());
        List<CatalogState.GenerationEntry> generations = new ArrayList<>();
        for (CatalogState.GenerationEntry g : state.generations()) {
            if (droppedGenerations.contains(g.info().id())) {
                continue;
            }
            generations.add(new CatalogState.GenerationEntry(g.info(),
                    g.fulls().stream().filter(f -> !gone.contains(f.key())).toList(),
                    g.deltas().stream().filter(d -> !gone.contains(d.key())).toList()));
        }
        List<CatalogState.RemovedObject> removed = new ArrayList<>(state.removed());
        Set<String> already = new HashSet<>();
        removed.forEach(r -> already.add(r.key()));
        for (RetentionDecision.Deletion deletion : decision.deletions()) {
            if (already.add(deletion.key())) {
                removed.add(new CatalogState.RemovedObject(deletion.key(), now, deletion.reason()));
            }
        }
        for (String generation : droppedGenerations) {
            String info = BackupLayout.generationInfoKey(generation);
            if (already.add(info)) {
                removed.add(new CatalogState.RemovedObject(info, now, "generation deleted by retention"));
            }
        }
        for (String orphan : orphans) {
            if (!state.indexes(orphan) && already.add(orphan)) {
                removed.add(new CatalogState.RemovedObject(orphan, now, "not indexed (published by a writer that stopped before indexing it)"));
            }
        }
        return new CatalogState(state.formatVersion(), state.sequence(), state.epoch(), state.writer(), state.updatedAt(),
                generations, removed);
    }

    /** Snapshot objects of this layout that the newest version does not index, older than the grace period. */
    private List<String> orphans(Instant now) throws IOException {
        var index = catalog.index();
        if (index.isEmpty()) {
            return List.of(); // nothing indexed yet: every object would look orphaned
        }
        CatalogState state = index.get();
        Set<String> removed = new HashSet<>();
        state.removed().forEach(r -> removed.add(r.key()));
        List<String> orphans = new ArrayList<>();
        ObjectIterator listing = catalog.store().list(BackupLayout.ROOT);
        while (listing.hasNext()) {
            ObjectInfo info = listing.next();
            var parsed = BackupLayout.parse(info.key());
            if (parsed.isEmpty() || parsed.get().type() == BackupLayout.KeyType.GENERATION_INFO) {
                continue;
            }
            if (!state.indexes(info.key()) && !removed.contains(info.key()) && info.lastModified().plus(grace).isBefore(now)) {
                orphans.add(info.key());
            }
        }
        return orphans;
    }
}
