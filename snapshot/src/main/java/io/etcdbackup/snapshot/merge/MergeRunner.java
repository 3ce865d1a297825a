package io.etcdbackup.snapshot.merge;

import io.etcdbackup.snapshot.catalog.BackupLayout;
import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.snapshot.catalog.CatalogState;
import io.etcdbackup.snapshot.catalog.CatalogWriter;
import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
import io.etcdbackup.snapshot.catalog.Generation;
import io.etcdbackup.snapshot.format.Codec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Merges small delta segments into larger ones by a {@link MergePolicy}, objects first and
 * index after, like capture:
 *
 * <ol>
 *   <li>Each run the policy picks is written as one merged segment
 *       {@code <generation>/delta/<first>-<last>} holding every event of its originals (verified
 *       on the way), so every revision stays restorable.</li>
 *   <li>One catalog update per batch of merges puts each merged segment in its originals' place
 *       and moves the originals to the catalog's removal list, from which retention deletes them
 *       after its grace period (restores planned before still find them). A merge whose
 *       originals are no longer all indexed by then (retention or another merger got there first),
 *       or whose key awaits deletion, is left out of the index.</li>
 *   <li>The policy is asked again on the new index, so merged segments merge into the next level
 *       within the same run, until it picks nothing.</li>
 * </ol>
 *
 * A crash or a fenced writer between the two steps leaves merged objects that no catalog version
 * indexes, and an index that still names the originals: restore is unaffected, the next run
 * reuses such an object after verifying it, and retention's orphan collection removes it
 * otherwise.
 *
 * <p>Safe beside capture, retention and another merger: every catalog update re-checks the
 * originals on the newest version, and objects are created only if absent. In the sidecar it
 * belongs where retention runs (the leader's agent, through the capture's catalog writer, so
 * fencing stops it too), on its own thread: a run over a backlog takes a while.
 */
public final class MergeRunner {

    private static final Logger LOG = LoggerFactory.getLogger(MergeRunner.class);
    /** Merges indexed per catalog version: a backlog of thousands costs tens of versions, not thousands. */
    static final int BATCH = 64;

    /**
     * What a run did.
     *
     * @param merges           merged segments indexed
     * @param segmentsReplaced original segments those replaced (now awaiting deletion)
     * @param segmentsBefore   delta segments the catalog indexed before, over all generations
     * @param segmentsAfter    delta segments it indexes after
     * @param bytesWritten     bytes of merged objects written to the store
     * @param runsSkipped      runs the policy picked that were not merged or not indexed (an
     *                         original failed verification, nothing fit the size limit, the index
     *                         changed meanwhile); logged with why
     */
    public record Result(int merges, int segmentsReplaced, int segmentsBefore, int segmentsAfter, long bytesWritten, int runsSkipped) {
    }

    /**
     * A merge the policy would make, for a dry run.
     *
     * @param generation    its generation
     * @param level         the merged segment's level
     * @param firstRevision first revision it would hold
     * @param lastRevision  last revision it would hold
     * @param segments      segments it would replace
     * @param storedBytes   their size in the store
     */
    public record PlannedMerge(String generation, int level, long firstRevision, long lastRevision, int segments, long storedBytes) {
    }

    private final Catalog catalog;
    private final CatalogWriter writer;
    private final MergePolicy policy;
    private final SegmentMerger merger;
    private final Clock clock;

    /**
     * @param catalog a writable catalog (merges are indexed through its writer)
     * @param codec            compression of merged segments
     * @param compressionLevel codec level
     */
    public MergeRunner(Catalog catalog, MergePolicy policy, Codec codec, int compressionLevel, Clock clock) {
        this.catalog = catalog;
        this.writer = catalog.writer().orElseThrow(() -> new IllegalArgumentException("merging needs a writable catalog"));
        this.policy = policy;
        this.merger = new SegmentMerger(catalog.store(), catalog.encryption(), codec, compressionLevel, policy.maxSegmentBytes());
        this.clock = clock;
    }

    /**
     * Every merge the policy would make now, level after level, assuming each merge succeeds;
     * reads the index only. The merger may merge only part of a run (the size limit applies to
     * the originals' uncompressed events, which only reading them tells).
     */
    public List<PlannedMerge> preview() throws IOException {
        Instant now = clock.instant();
        List<PlannedMerge> planned = new ArrayList<>();
        for (Generation generation : catalog.generations()) {
            List<DeltaSegmentRef> deltas = generation.deltas();
            while (true) {
                List<List<DeltaSegmentRef>> runs = policy.runs(new Generation(generation.id(), generation.fulls(), deltas), now);
                if (runs.isEmpty()) {
                    break;
                }
                List<DeltaSegmentRef> merged = new ArrayList<>();
                Set<String> replaced = new HashSet<>();
                for (List<DeltaSegmentRef> run : runs) {
                    DeltaSegmentRef first = run.get(0);
                    DeltaSegmentRef last = run.get(run.size() - 1);
                    long bytes = run.stream().mapToLong(DeltaSegmentRef::size).sum();
                    planned.add(new PlannedMerge(generation.id(), first.level() + 1, first.firstRevision(), last.lastRevision(), run.size(), bytes));
                    merged.add(new DeltaSegmentRef(mergedKey(run), generation.id(), first.firstRevision(), last.lastRevision(),
                            bytes, run.stream().map(DeltaSegmentRef::publishedAt).max(Instant::compareTo).orElseThrow(), first.level() + 1));
                    run.forEach(d -> replaced.add(d.key()));
                }
                deltas = replace(deltas, replaced, merged);
            }
        }
        return planned;
    }

    /**
     * Merges until the policy picks nothing more.
     *
     * @throws io.etcdbackup.snapshot.catalog.FencedWriterException if another writer took over the
     *         catalog: merges not yet indexed stay out of it (orphans retention collects)
     * @throws IOException if the store fails; merges indexed before stay indexed
     */
    public Result run() throws IOException {
        long started = System.nanoTime();
        Instant now = clock.instant();
        Optional<CatalogState> index = catalog.index();
        List<Generation> generations = index.isPresent() ? index.get().toGenerations() : catalog.generations();
        Set<String> awaitingDeletion = new HashSet<>();
        index.ifPresent(state -> state.removed().forEach(r -> awaitingDeletion.add(r.key())));
        int before = count(generations);
        int merges = 0;
        int replaced = 0;
        int skipped = 0;
        long bytes = 0;
        Set<String> given = new HashSet<>(); // runs skipped once are not tried again in this run
        while (true) {
            List<List<DeltaSegmentRef>> runs = new ArrayList<>();
            for (Generation generation : generations) {
                policy.runs(generation, now).stream().filter(run -> !given.contains(mergedKey(run))).forEach(runs::add);
            }
            if (runs.isEmpty()) {
                break;
            }
            int indexedThisPass = 0;
            List<SegmentMerger.MergedSegment> batch = new ArrayList<>();
            for (int i = 0; i < runs.size(); i++) {
                List<DeltaSegmentRef> run = runs.get(i);
                Optional<SegmentMerger.MergedSegment> merged = Optional.empty();
                // A key awaiting deletion may be deleted any moment: never index an object there. (The
                // update checks again; an object that entered the list after this pass started cannot
                // be deleted before the grace period has passed.)
                if (!awaitingDeletion.contains(mergedKey(run))) {
                    merged = merger.merge(run);
                }
                if (merged.isEmpty()) {
                    skipped++;
                    given.add(mergedKey(run));
                } else {
                    batch.add(merged.get());
                    bytes += merged.get().bytesWritten();
                }
                if (!batch.isEmpty() && (batch.size() == BATCH || i == runs.size() - 1)) {
                    Indexed indexed = index(batch);
                    generations = indexed.state().toGenerations();
                    indexed.state().removed().forEach(r -> awaitingDeletion.add(r.key()));
                    indexedThisPass += indexed.applied().size();
                    replaced += indexed.applied().stream().mapToInt(m -> m.originals().size()).sum();
                    skipped += batch.size() - indexed.applied().size();
                    batch.clear();
                }
            }
            merges += indexedThisPass;
            if (indexedThisPass == 0) {
                break; // nothing changed: the policy would pick the same runs again
            }
        }
        Result result = new Result(merges, replaced, before, count(generations), bytes, skipped);
        if (merges > 0 || skipped > 0) {
            LOG.info("segment merge merges={} segments_replaced={} segments_before={} segments_after={} bytes_written={} runs_skipped={} duration_ms={}",
                    merges, replaced, before, result.segmentsAfter(), bytes, skipped, Duration.ofNanos(System.nanoTime() - started).toMillis());
        }
        return result;
    }

    private record Indexed(CatalogState state, List<SegmentMerger.MergedSegment> applied) {
    }

    /** One catalog update: each merge whose originals are all still indexed replaces them. */
    private Indexed index(List<SegmentMerger.MergedSegment> batch) throws IOException {
        AtomicReference<List<SegmentMerger.MergedSegment>> applied = new AtomicReference<>();
        CatalogState published = writer.update(state -> {
            List<SegmentMerger.MergedSegment> done = new ArrayList<>();
            CatalogState next = apply(state, batch, clock.instant(), done);
            applied.set(done); // the change may be applied more than once (conflicts): keep the last
            return next;
        });
        for (SegmentMerger.MergedSegment merge : batch) {
            if (!applied.get().contains(merge)) {
                LOG.info("merged segment not indexed, the index changed meanwhile (an orphan now) key={}", merge.merged().key());
            }
        }
        return new Indexed(published, applied.get());
    }

    static CatalogState apply(CatalogState state, List<SegmentMerger.MergedSegment> merges, Instant now,
                              List<SegmentMerger.MergedSegment> applied) {
        Map<String, Map<String, DeltaSegmentRef>> deltas = new LinkedHashMap<>();
        for (CatalogState.GenerationEntry g : state.generations()) {
            Map<String, DeltaSegmentRef> byKey = new LinkedHashMap<>();
            g.deltas().forEach(d -> byKey.put(d.key(), d));
            deltas.put(g.info().id(), byKey);
        }
        List<CatalogState.RemovedObject> removed = new ArrayList<>(state.removed());
        Set<String> awaitingDeletion = new HashSet<>();
        removed.forEach(r -> awaitingDeletion.add(r.key()));
        for (SegmentMerger.MergedSegment merge : merges) {
            DeltaSegmentRef merged = merge.merged();
            Map<String, DeltaSegmentRef> indexed = deltas.get(merged.generation());
            if (indexed == null || indexed.containsKey(merged.key()) || awaitingDeletion.contains(merged.key())
                    || !merge.originals().stream().allMatch(o -> indexed.containsKey(o.key()))) {
                continue;
            }
            for (DeltaSegmentRef original : merge.originals()) {
                indexed.remove(original.key());
                if (awaitingDeletion.add(original.key())) {
                    removed.add(new CatalogState.RemovedObject(original.key(), now, "merged into " + merged.key()));
                }
            }
            indexed.put(merged.key(), merged);
            applied.add(merge);
        }
        List<CatalogState.GenerationEntry> generations = new ArrayList<>();
        for (CatalogState.GenerationEntry g : state.generations()) {
            generations.add(new CatalogState.GenerationEntry(g.info(), g.fulls(), List.copyOf(deltas.get(g.info().id()).values())));
        }
        return new CatalogState(state.formatVersion(), state.sequence(), state.epoch(), state.writer(), state.updatedAt(),
                generations, removed);
    }

    private static String mergedKey(List<DeltaSegmentRef> run) {
        DeltaSegmentRef first = run.get(0);
        return BackupLayout.deltaKey(first.generation(), first.firstRevision(),
                run.get(run.size() - 1).lastRevision());
    }

    private static List<DeltaSegmentRef> replace(List<DeltaSegmentRef> deltas, Set<String> replaced, List<DeltaSegmentRef> merged) {
        List<DeltaSegmentRef> next = new ArrayList<>(deltas.stream().filter(d -> !replaced.contains(d.key())).toList());
        next.addAll(merged);
        next.sort(Comparator.comparingLong(DeltaSegmentRef::firstRevision).thenComparingLong(DeltaSegmentRef::lastRevision));
        return next;
    }

    private static int count(List<Generation> generations) {
        return generations.stream().mapToInt(g -> g.deltas().size()).sum();
    }
}
