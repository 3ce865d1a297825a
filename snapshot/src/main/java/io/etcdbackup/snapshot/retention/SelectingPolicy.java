package io.etcdbackup.snapshot.retention;

import io.etcdbackup.snapshot.catalog.BackupLayout;
import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
import io.etcdbackup.snapshot.catalog.FullSnapshotRef;
import io.etcdbackup.snapshot.catalog.Generation;
import io.etcdbackup.snapshot.retention.RetentionDecision.Deletion;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A {@link FullSelector} followed by the common rules of {@link RetentionPolicy}, implemented
 * once here for every policy.
 *
 * @param selector       which full snapshots the policy gives up
 * @param deltaRetention how long delta segments outside the live chain are kept; null for "as
 *                       long as a retained full snapshot needs them"
 */
record SelectingPolicy(FullSelector selector, Duration deltaRetention) implements RetentionPolicy {

    private static final Comparator<FullSnapshotRef> BY_REVISION = Comparator.comparingLong(FullSnapshotRef::revision)
            .thenComparing(FullSnapshotRef::createdAt).thenComparing(FullSnapshotRef::key);
    private static final Comparator<DeltaSegmentRef> BY_FIRST_REVISION = Comparator.comparingLong(DeltaSegmentRef::firstRevision)
            .thenComparingLong(DeltaSegmentRef::lastRevision).thenComparing(DeltaSegmentRef::key);

    SelectingPolicy {
        Objects.requireNonNull(selector, "selector");
        if (deltaRetention != null && deltaRetention.isNegative()) {
            throw new RetentionConfigException("delta-retention", deltaRetention, "must not be negative");
        }
    }

    @Override
    public RetentionPolicy withDeltaRetention(Duration period) {
        Objects.requireNonNull(period, "period");
        return new SelectingPolicy(selector, period);
    }

    @Override
    public RetentionDecision decide(List<Generation> generations, Instant now) {
        Objects.requireNonNull(now, "now");
        List<Generation> gens = sortedAndChecked(generations);

        int anchor = -1;
        for (int i = 0; i < gens.size(); i++) {
            if (!gens.get(i).fulls().isEmpty()) {
                anchor = i;
            }
        }
        List<FullSnapshotRef> newestFirst = new ArrayList<>();
        gens.forEach(g -> newestFirst.addAll(g.fulls()));
        newestFirst.sort(FullSelector.NEWEST_FIRST);
        Map<String, String> rejected = newestFirst.isEmpty() ? new HashMap<>() : new HashMap<>(selector.reject(newestFirst, now));
        FullSnapshotRef newest = anchor < 0 ? null : gens.get(anchor).fulls().get(gens.get(anchor).fulls().size() - 1);
        if (newest != null) {
            rejected.remove(newest.key());
        }
        Instant cutoff = deltaRetention == null ? null : now.minus(deltaRetention);

        List<FullSnapshotRef> keptFulls = new ArrayList<>();
        List<DeltaSegmentRef> keptDeltas = new ArrayList<>();
        List<Deletion> deletions = new ArrayList<>();
        List<String> deletedGenerations = new ArrayList<>();
        for (int i = 0; i < gens.size(); i++) {
            Generation g = gens.get(i);
            List<FullSnapshotRef> retained = new ArrayList<>();
            List<Deletion> gone = new ArrayList<>();
            for (FullSnapshotRef full : g.fulls()) {
                String reason = rejected.get(full.key());
                if (reason == null) {
                    retained.add(full);
                } else {
                    gone.add(new Deletion(full.key(), BackupLayout.KeyType.FULL, g.id(), full.size(), reason));
                }
            }
            Spans spans = new Spans(retained, g.deltas(), cutoff);
            List<DeltaSegmentRef> retainedDeltas = new ArrayList<>();
            for (DeltaSegmentRef delta : g.deltas()) {
                String reason = deltaReason(delta, i, anchor, newest, spans, cutoff);
                if (reason == null) {
                    retainedDeltas.add(delta);
                } else {
                    gone.add(new Deletion(delta.key(), BackupLayout.KeyType.DELTA, g.id(), delta.size(), reason));
                }
            }
            boolean live = i == gens.size() - 1;
            if (!live && retained.isEmpty() && retainedDeltas.isEmpty()) {
                gone.add(new Deletion(BackupLayout.generationInfoKey(g.id()), BackupLayout.KeyType.GENERATION_INFO, g.id(), 0,
                        "generation holds nothing retained"));
                deletedGenerations.add(g.id());
            }
            keptFulls.addAll(retained);
            keptDeltas.addAll(retainedDeltas);
            deletions.addAll(gone);
        }
        return new RetentionDecision(keptFulls, keptDeltas, deletions, deletedGenerations);
    }

    /** Why a delta segment goes, or null when it stays. */
    private String deltaReason(DeltaSegmentRef delta, int generation, int anchor, FullSnapshotRef newest, Spans spans, Instant cutoff) {
        if (generation > anchor) {
            return null; // a generation whose first full snapshot is not published yet: live
        }
        if (generation == anchor && delta.lastRevision() > newest.revision()) {
            return null; // the live chain
        }
        if (spans.reachable.contains(delta.key())) {
            return null;
        }
        if (!spans.needed.contains(delta.key())) {
            return "not needed by any retained full snapshot";
        }
        if (expired(delta, cutoff)) {
            return "published before " + cutoff + " (delta retention " + deltaRetention + ")";
        }
        return "unreachable: follows a segment removed by delta retention";
    }

    private static boolean expired(DeltaSegmentRef delta, Instant cutoff) {
        return cutoff != null && delta.publishedAt() != null && delta.publishedAt().isBefore(cutoff);
    }

    /**
     * The spans of one generation's retained full snapshots: the j-th, at revision r, spans the
     * revisions {@code (r, r']} up to the next retained one (or the generation's end), and needs
     * every segment holding one of them. Walking a span in revision order, everything from its
     * first expired segment on is cut off: a segment after a removed one could never be replayed
     * from that full snapshot.
     */
    private static final class Spans {
        final Set<String> needed = new HashSet<>();
        final Set<String> reachable = new HashSet<>();

        Spans(List<FullSnapshotRef> retainedByRevision, List<DeltaSegmentRef> deltasByRevision, Instant cutoff) {
            int n = retainedByRevision.size();
            long[] from = new long[n];
            for (int j = 0; j < n; j++) {
                from[j] = retainedByRevision.get(j).revision();
            }
            boolean[] cut = new boolean[n];
            for (DeltaSegmentRef delta : deltasByRevision) {
                // span j intersects it iff from[j] < lastRevision and (j is the last span or from[j + 1] >= firstRevision)
                int first = Math.max(lastBelow(from, delta.firstRevision()), 0);
                int last = lastBelow(from, delta.lastRevision());
                for (int j = first; j <= last; j++) {
                    needed.add(delta.key());
                    cut[j] |= expired(delta, cutoff);
                    if (!cut[j]) {
                        reachable.add(delta.key());
                    }
                }
            }
        }

        /** The highest j with {@code sorted[j] < value}, or -1. */
        private static int lastBelow(long[] sorted, long value) {
            int lo = 0;
            int hi = sorted.length - 1;
            int found = -1;
            while (lo <= hi) {
                int mid = (lo + hi) >>> 1;
                if (sorted[mid] < value) {
                    found = mid;
                    lo = mid + 1;
                } else {
                    hi = mid - 1;
                }
            }
            return found;
        }
    }

    /** Generations by id (oldest first), each with its objects sorted by revision; rejects inconsistent input. */
    private static List<Generation> sortedAndChecked(List<Generation> generations) {
        Objects.requireNonNull(generations, "generations");
        Set<String> ids = new HashSet<>();
        Set<String> keys = new HashSet<>();
        List<Generation> sorted = new ArrayList<>();
        for (Generation g : generations) {
            if (!ids.add(g.id())) {
                throw new IllegalArgumentException("generation " + g.id() + " is listed twice");
            }
            for (FullSnapshotRef full : g.fulls()) {
                if (full.createdAt() == null) {
                    throw new IllegalArgumentException("full snapshot " + full.key() + " has no creation time");
                }
                checkMember(g, full.key(), full.generation(), keys);
            }
            for (DeltaSegmentRef delta : g.deltas()) {
                checkMember(g, delta.key(), delta.generation(), keys);
            }
            sorted.add(new Generation(g.id(), g.fulls().stream().sorted(BY_REVISION).toList(),
                    g.deltas().stream().sorted(BY_FIRST_REVISION).toList()));
        }
        sorted.sort(Comparator.comparing(Generation::id));
        return sorted;
    }

    private static void checkMember(Generation g, String key, String generation, Set<String> keys) {
        if (!g.id().equals(generation)) {
            throw new IllegalArgumentException(key + " belongs to generation " + generation + " but is listed in " + g.id());
        }
        if (!keys.add(key)) {
            throw new IllegalArgumentException(key + " is listed twice");
        }
    }

    @Override
    public String toString() {
        return deltaRetention == null ? selector.toString() : selector + " with delta retention " + deltaRetention;
    }
}
