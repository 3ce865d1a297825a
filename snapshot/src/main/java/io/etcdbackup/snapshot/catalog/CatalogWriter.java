package io.etcdbackup.snapshot.catalog;

import io.etcdbackup.stores.ObjectAlreadyExistsException;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.WriteMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.util.List;
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

    private final ObjectStore store;
    private final String writerId;
    private final Clock clock;
    private long epoch = -1;
    private long fencedEpochs;

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
        epoch = CatalogVersions.latest(store).map(CatalogState::epoch).orElse(0L);
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
            CatalogState base = latestOrListing();
            if (base.epoch() > epoch) {
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
            return false;
        }
        prune(state.sequence());
        return true;
    }

    private void prune(long newest) {
        try {
            List<String> keys = CatalogVersions.keys(store);
            for (String key : keys) {
                if (CatalogVersions.sequenceOf(key) <= newest - VERSIONS_KEPT) {
                    store.delete(key);
                }
            }
        } catch (IOException e) {
            LOG.debug("pruning old catalog versions failed (retried next time): {}", e.toString());
        }
    }

    private CatalogState latestOrListing() throws IOException {
        var latest = CatalogVersions.latest(store);
        if (latest.isPresent()) {
            return latest.get();
        }
        // No index yet: start from what the objects themselves say, under sequence 0.
        return CatalogRebuild.fromListing(store, clock.instant());
    }
}
