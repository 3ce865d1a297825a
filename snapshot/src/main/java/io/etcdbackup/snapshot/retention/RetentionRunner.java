package io.etcdbackup.snapshot.retention;

import io.etcdbackup.snapshot.catalog.BackupLayout;
import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.snapshot.catalog.CatalogState;
import io.etcdbackup.snapshot.catalog.CatalogWriter;
import io.etcdbackup.stores.ObjectInfo;
import io.etcdbackup.stores.ObjectIterator;
import io.etcdbackup.stores.ObjectLockedException;
import io.etcdbackup.stores.ObjectStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
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
 * <p>Locked stores (S3 Object Lock, Azure immutability, GCS retention, OSS WORM): a deletion the
 * store refuses with {@link ObjectLockedException} is not an error. The object stays in the
 * removed list, marked with when to try again (the lock's expiry when the provider names it,
 * else {@link #LOCKED_RETRY} later), and the run goes on; {@link Result#lockedObjects()} counts
 * the objects waiting for their lock. So retention never fails or loops on a locked object.
 *
 * <p>A crash at any step leaves a consistent catalog: every indexed object exists; at worst removed
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
     * @param lockedObjects  removed objects past their grace period whose deletion the store
     *                       refused because they are locked; tried again when the lock expires
     */
    public record Result(RetentionDecision decision, List<String> orphans, List<String> deletedObjects, int awaitingGrace,
                         int lockedObjects) {
    }

    /** How long to wait before trying a locked object again when the store did not say when its lock ends. */
    public static final Duration LOCKED_RETRY = Duration.ofHours(1);

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
            if (removed.removedAt().plus(grace).isAfter(now)) {
                waiting++;
            } else if (!removed.isLockedAt(now)) {
                due.add(removed.key());
            }
        }
        ObjectStore store = catalog.store();
        Set<String> deleted = new HashSet<>();
        Map<String, Instant> refused = new HashMap<>();
        for (String key : due) {
            try {
                store.delete(key);
                deleted.add(key);
            } catch (IOException e) {
                ObjectLockedException locked = ObjectLockedException.find(e).orElseThrow(() -> e);
                refused.put(key, locked.lockedUntil().filter(now::isBefore).orElse(now.plus(LOCKED_RETRY)));
                LOG.debug("retention found a locked object key={} retry_at={}", key, refused.get(key), e);
            }
        }
        CatalogState after = current;
        if (!deleted.isEmpty() || !refused.isEmpty()) {
            after = writer.update(state -> new CatalogState(state.formatVersion(), state.sequence(), state.epoch(), state.writer(),
                    state.updatedAt(), state.generations(),
                    state.removed().stream().filter(r -> !deleted.contains(r.key()))
                            .map(r -> refused.containsKey(r.key()) ? r.lockedUntil(refused.get(r.key())) : r).toList()));
        }
        int locked = after.lockedObjects().size(); // every one past its retry time was tried again above
        if (!deleted.isEmpty() || !refused.isEmpty()) {
            LOG.info("retention deleted objects={} awaiting_grace={} locked={}", deleted.size(), waiting, locked);
        }
        if (!refused.isEmpty()) {
            LOG.info("retention left locked objects in the store refused={} locked={} next_retry={}", refused.size(), locked,
                    refused.values().stream().min(Instant::compareTo).orElseThrow());
        }
        return new Result(decision, orphans, due.stream().filter(deleted::contains).toList(), waiting, locked);
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
