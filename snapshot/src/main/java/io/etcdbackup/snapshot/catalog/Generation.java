package io.etcdbackup.snapshot.catalog;

import java.util.List;
import java.util.Optional;

/**
 * One continuous revision history: full snapshots and delta segments, each sorted by revision.
 *
 * @param id     generation id (sorts by start time)
 * @param fulls  full snapshots, oldest revision first
 * @param deltas delta segments, by first revision
 */
public record Generation(String id, List<FullSnapshotRef> fulls, List<DeltaSegmentRef> deltas) {

    public Generation {
        fulls = List.copyOf(fulls);
        deltas = List.copyOf(deltas);
    }

    /** The newest full snapshot (highest revision, then newest). */
    public Optional<FullSnapshotRef> latestFull() {
        return fulls.isEmpty() ? Optional.empty() : Optional.of(fulls.get(fulls.size() - 1));
    }

    /** The highest revision any object of this generation holds; 0 when it holds none. */
    public long lastRevision() {
        long last = 0;
        for (FullSnapshotRef full : fulls) {
            last = Math.max(last, full.revision());
        }
        for (DeltaSegmentRef delta : deltas) {
            last = Math.max(last, delta.lastRevision());
        }
        return last;
    }

    /** Delta segments holding revisions after {@code revision}, in chain order. */
    public List<DeltaSegmentRef> deltasAfter(long revision) {
        return deltas.stream().filter(d -> d.lastRevision() > revision).toList();
    }

    /** Total bytes of all objects. */
    public long totalBytes() {
        return fulls.stream().mapToLong(FullSnapshotRef::size).sum() + deltas.stream().mapToLong(DeltaSegmentRef::size).sum();
    }
}
