package io.etcdbackup.snapshot.retention;

import io.etcdbackup.snapshot.catalog.FullSnapshotRef;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/** The part of a policy that differs between policies: which full snapshots to give up. */
interface FullSelector {

    /** Newest first: latest creation time, then latest generation, then highest revision. */
    Comparator<FullSnapshotRef> NEWEST_FIRST = Comparator.comparing(FullSnapshotRef::createdAt)
            .thenComparing(FullSnapshotRef::generation)
            .thenComparingLong(FullSnapshotRef::revision)
            .thenComparing(FullSnapshotRef::key)
            .reversed();

    /**
     * The full snapshots this rule would delete, each with why.
     *
     * @param newestFirst every full snapshot of the catalog, sorted by {@link #NEWEST_FIRST}, not empty
     * @return object key to reason; keys absent from the map are kept
     */
    Map<String, String> reject(List<FullSnapshotRef> newestFirst, Instant now);
}
