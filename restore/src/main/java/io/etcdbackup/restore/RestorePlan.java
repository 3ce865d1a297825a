package io.etcdbackup.restore;

import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
import io.etcdbackup.snapshot.catalog.FullSnapshotRef;

import java.util.List;

/**
 * What a restore will read: one full snapshot and the delta segments after it, in chain order.
 *
 * @param generation     the generation restored from
 * @param full           the base full snapshot
 * @param deltas         delta segments to replay, contiguous from the base
 * @param targetRevision the revision the restored data will hold
 * @param exact          a point in time: the data must hold exactly {@code targetRevision}
 *                       (events after it are not replayed, and a base whose database turns out
 *                       to be past it is refused); false for the latest state, where the base
 *                       may hold more than its recorded revision
 * @param format         how the plan's objects are read
 */
public record RestorePlan(String generation, FullSnapshotRef full, List<DeltaSegmentRef> deltas, long targetRevision,
                          boolean exact, BackupFormat format) {

    public RestorePlan {
        deltas = List.copyOf(deltas);
        java.util.Objects.requireNonNull(format, "format");
    }

    /** Bytes to download. */
    public long totalBytes() {
        return full.size() + deltas.stream().mapToLong(DeltaSegmentRef::size).sum();
    }

    /** Number of objects to download. */
    public int objectCount() {
        return 1 + deltas.size();
    }
}
