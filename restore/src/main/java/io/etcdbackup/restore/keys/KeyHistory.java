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
        boolean going = true;
        for (DeltaSegmentRef ref : RestorePlanner.chainAfter(generation, from - 1, to)) {
            if (!going) {
                break;
            }
            if (fromTime.isPresent() && ref.publishedAt().isBefore(fromTime.get())) {
                reached = ref.lastRevision(); // every revision in it was received before the start time
                continue;
            }
            DeltaSegment segment = format.readDelta(catalog.store(), ref);
            long revision = -1;
            int index = 0;
            for (Event event : segment.events()) {
                long eventRevision = DeltaEventCodec.revisionOf(event);
                index = eventRevision == revision ? index + 1 : 0;
                revision = eventRevision;
                if (eventRevision <= reached) {
                    continue; // held by the previous segment too (a leader handover), or before the range
                }
                if (eventRevision > to) {
                    going = false;
                    break;
                }
                Optional<Instant> received = segment.receivedAt(eventRevision).or(() -> Optional.of(ref.publishedAt()));
                if (range.toTime().isPresent() && received.get().isAfter(range.toTime().get())) {
                    going = false;
                    break;
                }
                if (fromTime.isPresent() && received.get().isBefore(fromTime.get())) {
                    continue;
                }
                if (prefix.matches(event.getKv().getKey())) {
                    changes++;
                    if (!visitor.visit(new KeyChange(eventRevision, index, segment.receivedAt(eventRevision), event.getType(),
                            event.getKv()))) {
                        going = false;
                        break;
                    }
                }
            }
            reached = Math.max(reached, Math.min(ref.lastRevision(), to));
        }
        LOG.info("history read prefix={} generation={} from_revision={} to_revision={} changes={}", prefix, generation.id(), from,
                reached, changes);
        return new Span(generation.id(), from, reached, changes);
    }

    /** The newest generation with segments holding the start revision, or the newest with segments. */
    private Generation chooseGeneration(HistoryRange range) throws IOException {
        List<Generation> generations = catalog.generations().stream().filter(g -> !g.deltas().isEmpty()).toList();
        if (generations.isEmpty()) {
            throw new NoBackupException("no delta segments in " + catalog.store().location() + ": there is no history to read");
        }
        if (range.fromRevision().isPresent()) {
            long from = range.fromRevision().getAsLong();
            for (int i = generations.size() - 1; i >= 0; i--) {
                if (generations.get(i).lastRevision() >= from) {
                    return generations.get(i);
                }
            }
            throw new NoBackupException("no retained generation in " + catalog.store().location() + " reaches revision " + from
                    + "; the newest ends at revision " + generations.get(generations.size() - 1).lastRevision());
        }
        return generations.get(generations.size() - 1);
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
