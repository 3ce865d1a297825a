package io.etcdbackup.snapshot.catalog;

import io.etcdbackup.stores.ObjectAlreadyExistsException;
import io.etcdbackup.stores.ObjectLockedException;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.WriteMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.UnaryOperator;

/**
 * Publishes catalog versions. Each update reads the newest version, applies a change, and
 * publishes version {@code n + 1} "only if absent": two writers can never both publish the same
 * version, so the history is linear and no update is lost (the loser re-reads and re-applies).
 *
 * <p>Fencing: a writer that {@link #acquire() acquires} the catalog publishes a version with a
 * higher epoch than any before. A writer that finds a newer epoch than its own stops with
 * {@link FencedWriterException} instead of writing: an agent that still believes it leads cannot
 * overwrite the new leader's catalog. Objects such a writer published meanwhile stay in the store
 * unindexed (orphans, removed by retention).
 */
public final class CatalogWriter {

    private static final Logger LOG = LoggerFactory.getLogger(CatalogWriter.class);
    /** Versions kept behind the newest, so readers that listed a moment ago still find theirs. */
    static final int VERSIONS_KEPT = 16;
    private static final int MAX_CONFLICTS = 50;
    /** How long pruning pauses after a locked version when the store did not say when the lock ends. */
    static final Duration LOCKED_PRUNE_PAUSE = Duration.ofHours(1);

    private final ObjectStore store;
    private final String writerId;
    private final Clock clock;
    private long epoch = -1;
    private long fencedEpochs;
    /**
     * The newest version this writer has read or published. Updates build on it without
     * re-reading the store: if another writer published meanwhile, the only-if-absent create of
     * the next version fails and the writer re-reads, so a stale base costs one conflict, never
     * a lost update.
     */
    private CatalogState lastSeen;
    /**
     * Set when the store refused to delete an old version because it is locked (an immutable
     * bucket): versions are locked oldest first, so pruning pauses until then instead of
     * spending a refused request on every update.
     */
    private Instant pruningPausedUntil = Instant.MIN;

    public CatalogWriter(ObjectStore store, String writerId, Clock clock) {
        this.store = store;
        this.writerId = writerId;
        this.clock = clock;
    }

    /**
     * Takes over the catalog with a new epoch (above every epoch before). A store written before
     * the index existed is indexed from a listing first, so no history is lost.
     *
     * @return the new epoch
     */
    public synchronized long acquire() throws IOException {
        for (int attempt = 0; attempt < MAX_CONFLICTS; attempt++) {
            CatalogState base = latestOrListing();
            long next = base.epoch() + 1;
            if (publish(base.next(next, writerId, clock.instant()))) {
                epoch = next;
                pruneAll(lastSeen.sequence());
                LOG.info("catalog acquired writer={} epoch={} version={}", writerId, next, base.sequence() + 1);
                return next;
            }
        }
        throw new IOException("catalog in " + store.location() + " changed " + MAX_CONFLICTS + " times while acquiring it");
    }

    /**
     * Writes under the current epoch without taking over (one-off commands run beside no
     * sidecar, or as the current writer).
     */
    public synchronized long joinCurrentEpoch() throws IOException {
        lastSeen = CatalogVersions.latest(store).orElse(null);
        epoch = lastSeen == null ? 0 : lastSeen.epoch();
        if (epoch == 0) {
            return acquire();
        }
        return epoch;
    }

    /**
     * Applies {@code change} to the newest version and publishes the result.
     *
     * @throws FencedWriterException if a writer with a higher epoch took over
     */
    public synchronized CatalogState update(UnaryOperator<CatalogState> change) throws IOException {
        if (epoch < 0) {
            joinCurrentEpoch();
        }
        for (int attempt = 0; attempt < MAX_CONFLICTS; attempt++) {
            CatalogState base = lastSeen != null ? lastSeen : latestOrListing();
            if (base.epoch() > epoch) {
                lastSeen = null;
                fencedEpochs++;
                throw new FencedWriterException(writerId, epoch, base.epoch(), base.writer());
            }
            CatalogState next = change.apply(base).next(epoch, writerId, clock.instant());
            if (publish(next)) {
                return next;
            }
        }
        throw new IOException("catalog in " + store.location() + " changed " + MAX_CONFLICTS + " times during one update");
    }

    /** The epoch this writer writes with; -1 before the first write. */
    public synchronized long epoch() {
        return epoch;
    }

    /** How often this writer found itself fenced (for metrics). */
    public synchronized long fencedCount() {
        return fencedEpochs;
    }

    public String writerId() {
        return writerId;
    }

    private boolean publish(CatalogState state) throws IOException {
        try {
            store.put(CatalogVersions.key(state.sequence()), CatalogVersions.encode(state), WriteMode.IF_ABSENT);
        } catch (ObjectAlreadyExistsException raced) {
            lastSeen = null; // someone else published this version: re-read before the next try
            return false;
        }
        // A base VERSIONS_KEPT or more versions stale names a slot pruning has already emptied,
        // so the create above succeeds although newer versions exist and readers would never see
        // ours. Pruning removes versions oldest first, so then our base is gone too; while our
        // base exists, the slot was free because nobody had published it. If the base is gone,
        // withdraw ours and re-read (every catalog change is idempotent, so a needless retry is
        // harmless).
        if (state.sequence() > 1 && !exists(state.sequence() - 1)) {
            LOG.info("catalog version published on a stale base, newer versions exist, re-reading sequence={}", state.sequence());
            try {
                store.delete(CatalogVersions.key(state.sequence()));
            } catch (ObjectLockedException locked) {
                // an immutable bucket keeps it; harmless, as readers take the newest version
                LOG.info("a catalog version on a stale base is locked and stays sequence={}", state.sequence());
            }
            lastSeen = null;
            return false;
        }
        lastSeen = state;
        // Each version is published exactly once, so deleting the one that leaves the window
        // here keeps the folder short without listing it.
        long expired = state.sequence() - VERSIONS_KEPT;
        if (expired >= 1 && !pruningPaused()) {
            try {
                store.delete(CatalogVersions.key(expired));
            } catch (IOException e) {
                pauseIfLocked(e);
                LOG.debug("pruning a catalog version failed, the next take-over prunes by listing sequence={}", expired, e);
            }
        }
        return true;
    }

    private boolean pruningPaused() {
        return clock.instant().isBefore(pruningPausedUntil);
    }

    /** Pauses pruning when {@code e} says the version is locked; returns whether it did. */
    private boolean pauseIfLocked(IOException e) {
        var locked = ObjectLockedException.find(e);
        if (locked.isEmpty()) {
            return false;
        }
        Instant now = clock.instant();
        pruningPausedUntil = locked.get().lockedUntil().filter(now::isBefore).orElse(now.plus(LOCKED_PRUNE_PAUSE));
        LOG.info("catalog versions are locked by the store, pruning paused until={}", pruningPausedUntil);
        return true;
    }

    private boolean exists(long sequence) throws IOException {
        try {
            store.stat(CatalogVersions.key(sequence));
            return true;
        } catch (io.etcdbackup.stores.NoSuchObjectException e) {
            return false;
        }
    }

    /**
     * Deletes every version outside the window, oldest first, e.g. left behind by failed prunes;
     * stops at the first locked one (the newer ones were locked later, so are locked too).
     */
    private void pruneAll(long newest) {
        if (pruningPaused()) {
            return;
        }
        try {
            for (String key : CatalogVersions.keys(store)) {
                if (CatalogVersions.sequenceOf(key) <= newest - VERSIONS_KEPT) {
                    store.delete(key);
                }
            }
        } catch (IOException e) {
            if (!pauseIfLocked(e)) {
                LOG.debug("pruning old catalog versions failed, retried at the next take-over newest={}", newest, e);
            }
        }
    }

    private CatalogState latestOrListing() throws IOException {
        var latest = CatalogVersions.latest(store);
        if (latest.isPresent()) {
            lastSeen = latest.get();
            return latest.get();
        }
        // No index yet: start from what the objects themselves say, under sequence 0.
        return CatalogRebuild.fromListing(store, clock.instant());
    }
}
