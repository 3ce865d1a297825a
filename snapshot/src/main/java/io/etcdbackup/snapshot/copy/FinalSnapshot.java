package io.etcdbackup.snapshot.copy;

import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
import io.etcdbackup.snapshot.catalog.FullSnapshotRef;
import io.etcdbackup.snapshot.catalog.Generation;

import java.util.List;

/**
 * Whether a store's backups end with a final full snapshot: the newest generation's newest full
 * snapshot holds every revision the generation's delta segments hold. A sidecar stopped with
 * {@code --final-full-snapshot} leaves exactly that (it publishes its buffered deltas, then takes
 * a full snapshot); a quiet cluster right after a scheduled full snapshot does too, and then
 * nothing after it is missing either.
 */
public final class FinalSnapshot {

    private FinalSnapshot() {
    }

    /** True when the newest generation has a full snapshot at or after its last delta segment's last revision. */
    public static boolean isTaken(List<Generation> generations) {
        if (generations.isEmpty()) {
            return false;
        }
        Generation newest = generations.get(generations.size() - 1);
        long full = newest.fulls().stream().mapToLong(FullSnapshotRef::revision).max().orElse(-1);
        long delta = newest.deltas().stream().mapToLong(DeltaSegmentRef::lastRevision).max().orElse(-1);
        return full >= 0 && full >= delta;
    }
}
