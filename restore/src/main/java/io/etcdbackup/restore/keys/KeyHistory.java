package io.etcdbackup.restore.keys;

import io.etcd.jetcd.api.Event;
import io.etcdbackup.restore.BackupFormat;
import io.etcdbackup.restore.DeltaSegment;
import io.etcdbackup.restore.NativeFormat;
import io.etcdbackup.restore.NoBackupException;
import io.etcdbackup.restore.RestorePlanner;
import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
import io.etcdbackup.snapshot.catalog.Generation;
import io.etcdbackup.snapshot.format.DeltaEventCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Every change to the keys under a prefix within a range of revisions, read from the delta
 * segments of one generation alone: no etcd runs, no full snapshot is read. The changes are
 * the events etcd's watch from the first revision of the range would replay for that prefix, in
 * the same order.
 *
 * <p>History exists where delta segments are retained: a range starting before the first retained
 * segment of the generation is refused (revisions folded into a full snapshot by compaction, or
 * removed by retention, have no history). Objects marked excluded from restores are still read:
 * history shows what was recorded.
 */
public final class KeyHistory {

    private static final Logger LOG = LoggerFactory.getLogger(KeyHistory.class);

    private final Catalog catalog;
    private final BackupFormat format;

    /** Reads the segments of {@code catalog}'s store, decrypting with the catalog's keys. */
    public KeyHistory(Catalog catalog) {
        this.catalog = catalog;
        this.format = NativeFormat.of(catalog.encryption());
    }

    /** Receives changes in revision order. */
    @FunctionalInterface
    public interface ChangeVisitor {

        /** @return whether to go on with the next change */
        boolean visit(KeyChange change) throws IOException;
    }

    /**
     * What was read: the generation, and the revisions covered (the range as far as the backups
     * reach; {@code toRevision} is below {@code fromRevision} when no revision was in range).
     */
    public record Span(String generation, long fromRevision, long toRevision, long changes) {
    }

    /**
     * Visits the changes under {@code prefix} within {@code range}.
     *
     * @throws NoBackupException                          if no generation has segments, or the range starts
     *                                                    before the retained history
     * @throws io.etcdbackup.restore.RevisionGapException if revisions in the range are missing
     */
    public Span read(HistoryRange range, KeyPrefix prefix, ChangeVisitor visitor) throws IOException {
        Generation generation = chooseGeneration(range);
        List<DeltaSegmentRef> deltas = generation.deltas();
        long first = deltas.get(0).firstRevision();
        long from = range.fromRevision().orElse(first);
        if (from < first) {
            throw new NoBackupException("revision " + from + " is before the history retained in " + catalog.store().location()
                    + ": the delta segments of generation " + generation.id() + " start at revision " + first + " (received "
                    + deltas.get(0).publishedAt() + " or before)");
        }
        long to = Math.min(range.toRevision().orElse(Long.MAX_VALUE), generation.lastRevision());
        Optional<Instant> fromTime = range.fromTime();
        if (fromTime.isPresent()) {
            requireRetainedAt(generation, fromTime.get());
        }
        long reached = from - 1;
        long changes = 0;
        boolean stopped = false;
        for (DeltaSegmentRef ref : RestorePlanner.chainAfter(generation, from - 1, to)) {
            if (stopped) {
                break;
            }
            if (fromTime.isPresent() && ref.publishedAt().isBefore(fromTime.get())) {
                reached = ref.lastRevision(); // every revision in it was received before the start time
                continue;
            }
            DeltaSegment segment = format.readDelta(catalog.store(), ref);
            long revision = -1;
            int index = 0;
            long read = reached; // events of this segment at or below it were read already (overlapping segments)
            for (Event event : segment.events()) {
                long eventRevision = DeltaEventCodec.revisionOf(event);
                index = eventRevision == revision ? index + 1 : 0;
                revision = eventRevision;
                if (eventRevision <= read) {
                    continue;
                }
                if (eventRevision > to) {
                    reached = to;
                    stopped = true;
                    break;
                }
                Optional<Instant> received = segment.receivedAt(eventRevision);
                Instant receivedBy = received.orElse(ref.publishedAt());
                if (range.toTime().isPresent() && receivedBy.isAfter(range.toTime().get())) {
                    stopped = true;
                    break;
                }
                reached = eventRevision;
                if (fromTime.isPresent() && receivedBy.isBefore(fromTime.get())) {
                    continue;
                }
                if (prefix.matches(event.getKv().getKey())) {
                    changes++;
                    if (!visitor.visit(new KeyChange(eventRevision, index, received, event.getType(), event.getKv()))) {
                        stopped = true;
                        break;
                    }
                }
            }
            if (!stopped) {
                reached = Math.max(reached, Math.min(ref.lastRevision(), to));
            }
        }
        LOG.info("history read prefix=\"{}\" generation={} from_revision={} to_revision={} changes={}", prefix, generation.id(), from,
                reached, changes);
        return new Span(generation.id(), from, reached, changes);
    }

    /**
     * The generation the range is in: the newest whose segments hold the start revision (else the
     * newest reaching it, which then refuses it as before its history), or the end revision when
     * only that is given, or the start time; else the newest. Generations are separate histories:
     * a range never spans two.
     */
    private Generation chooseGeneration(HistoryRange range) throws IOException {
        List<Generation> generations = catalog.generations().stream().filter(g -> !g.deltas().isEmpty()).toList();
        if (generations.isEmpty()) {
            throw new NoBackupException("no delta segments in " + catalog.store().location() + ": there is no history to read");
        }
        if (range.fromRevision().isPresent() || range.toRevision().isPresent()) {
            long revision = range.fromRevision().orElse(range.toRevision().orElse(0));
            Optional<Generation> holding = newest(generations, g -> g.deltas().get(0).firstRevision() <= revision
                    && revision <= g.lastRevision());
            if (holding.isPresent()) {
                return holding.get();
            }
            return newest(generations, g -> g.lastRevision() >= revision).orElseThrow(() -> new NoBackupException(
                    "no retained generation in " + catalog.store().location() + " reaches revision " + revision
                            + "; the newest ends at revision " + generations.get(generations.size() - 1).lastRevision()));
        }
        if (range.fromTime().isPresent()) {
            Instant from = range.fromTime().get();
            return newest(generations, g -> !g.deltas().get(0).publishedAt().isAfter(from)).orElse(generations.get(generations.size() - 1));
        }
        return generations.get(generations.size() - 1);
    }

    private static Optional<Generation> newest(List<Generation> generations, Predicate<Generation> test) {
        for (int i = generations.size() - 1; i >= 0; i--) {
            if (test.test(generations.get(i))) {
                return Optional.of(generations.get(i));
            }
        }
        return Optional.empty();
    }

    private void requireRetainedAt(Generation generation, Instant time) throws IOException {
        DeltaSegmentRef oldest = generation.deltas().get(0);
        if (!oldest.publishedAt().isAfter(time)) {
            return; // its revisions, and every one before them, were received by then
        }
        DeltaSegment segment = format.readDelta(catalog.store(), oldest);
        Optional<Instant> earliest = segment.receivedAt(oldest.firstRevision());
        if (earliest.isEmpty() || earliest.get().isAfter(time)) {
            throw new NoBackupException("the history retained in " + catalog.store().location() + " starts at revision "
                    + oldest.firstRevision() + ", received " + earliest.map(Instant::toString).orElse("at an unrecorded time")
                    + ": nothing tells what changed between " + time + " and then");
        }
    }
}
