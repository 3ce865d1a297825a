package io.etcdbackup.snapshot.catalog;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One version of the catalog index: every generation with its full snapshots and delta
 * segments, plus objects removed from the index and awaiting deletion. Versions are immutable
 * and numbered; {@link CatalogWriter} publishes version {@code sequence + 1} only if absent, so
 * the versions form one linear history.
 *
 * @param formatVersion {@link #FORMAT_VERSION}
 * @param sequence      this version's number (1 for the first)
 * @param epoch         fencing epoch of the writer that published it; never decreases
 * @param writer        who published it (for operators)
 * @param updatedAt     when
 * @param generations   generations, oldest first
 * @param removed       objects no longer indexed, deleted once their grace period has passed
 */
public record CatalogState(int formatVersion, long sequence, long epoch, String writer, Instant updatedAt,
                           List<GenerationEntry> generations, List<RemovedObject> removed) {

    public static final int FORMAT_VERSION = 1;

    public CatalogState {
        generations = List.copyOf(generations);
        removed = removed == null ? List.of() : List.copyOf(removed);
    }

    /** The empty catalog before the first version. */
    public static CatalogState empty() {
        return new CatalogState(FORMAT_VERSION, 0, 0, "", Instant.EPOCH, List.of(), List.of());
    }

    /**
     * One generation in the index.
     *
     * @param info   why and when it started
     * @param fulls  full snapshots by revision
     * @param deltas delta segments by first revision
     */
    public record GenerationEntry(GenerationInfo info, List<FullSnapshotRef> fulls, List<DeltaSegmentRef> deltas) {
        public GenerationEntry {
            Objects.requireNonNull(info, "info");
            fulls = fulls.stream().sorted(Comparator.comparingLong(FullSnapshotRef::revision)
                    .thenComparing(FullSnapshotRef::createdAt)).toList();
            deltas = deltas.stream().sorted(Comparator.comparingLong(DeltaSegmentRef::firstRevision)
                    .thenComparingLong(DeltaSegmentRef::lastRevision)).toList();
        }

        public Generation toGeneration() {
            return new Generation(info.id(), fulls, deltas);
        }
    }

    /**
     * An object taken out of the index.
     *
     * @param key         its key
     * @param removedAt   when it left the index; it is deleted after the grace period
     * @param reason      why (retention rule, orphan)
     * @param lockedUntil set when the store refused the deletion because the object is locked
     *                    (retention, hold, WORM): the deletion is not tried again before then;
     *                    null while no deletion was refused
     */
    public record RemovedObject(String key, Instant removedAt, String reason, Instant lockedUntil) {

        /** An object just removed from the index, never refused. */
        public RemovedObject(String key, Instant removedAt, String reason) {
            this(key, removedAt, reason, null);
        }

        /** The same entry, its deletion refused until {@code until}. */
        public RemovedObject lockedUntil(Instant until) {
            return new RemovedObject(key, removedAt, reason, until);
        }

        /** Whether a deletion was refused and is not to be tried again yet at {@code now}. */
        public boolean isLockedAt(Instant now) {
            return lockedUntil != null && lockedUntil.isAfter(now);
        }
    }

    /** The removed objects whose deletion the store refused because they are locked, waiting for their retry time. */
    public List<RemovedObject> lockedObjects() {
        return removed.stream().filter(r -> r.lockedUntil() != null).toList();
    }

    /** The generations as the catalog's readers see them. */
    public List<Generation> toGenerations() {
        return generations.stream().map(GenerationEntry::toGeneration).toList();
    }

    public Optional<GenerationEntry> generation(String id) {
        return generations.stream().filter(g -> g.info().id().equals(id)).findFirst();
    }

    /** Whether any generation indexes this key. */
    public boolean indexes(String key) {
        for (GenerationEntry g : generations) {
            if (g.fulls().stream().anyMatch(f -> f.key().equals(key)) || g.deltas().stream().anyMatch(d -> d.key().equals(key))) {
                return true;
            }
        }
        return false;
    }

    /** A copy with one generation replaced or appended. */
    CatalogState withGeneration(GenerationEntry entry) {
        List<GenerationEntry> next = new ArrayList<>();
        boolean replaced = false;
        for (GenerationEntry g : generations) {
            if (g.info().id().equals(entry.info().id())) {
                next.add(entry);
                replaced = true;
            } else {
                next.add(g);
            }
        }
        if (!replaced) {
            next.add(entry);
        }
        next.sort(Comparator.comparing(g -> g.info().id()));
        return new CatalogState(formatVersion, sequence, epoch, writer, updatedAt, next, removed);
    }

    CatalogState next(long epoch, String writer, Instant at) {
        return new CatalogState(FORMAT_VERSION, sequence + 1, epoch, writer, at, generations, removed);
    }
}
