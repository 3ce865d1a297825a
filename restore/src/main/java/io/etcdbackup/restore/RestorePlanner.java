package io.etcdbackup.restore;

import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
import io.etcdbackup.snapshot.catalog.FullSnapshotRef;
import io.etcdbackup.snapshot.catalog.Generation;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Chooses what to restore from a catalog. */
public final class RestorePlanner {

    private final Catalog catalog;

    public RestorePlanner(Catalog catalog) {
        this.catalog = catalog;
    }

    /**
     * The latest restorable state: the newest generation with a full snapshot, its newest full
     * snapshot, and every delta segment after it.
     *
     * @throws NoBackupException  if the store holds no full snapshot
     * @throws RevisionGapException if the deltas after the base do not form a continuous chain
     */
    public RestorePlan latest() throws IOException {
        Generation generation = catalog.latestRestorable()
                .orElseThrow(() -> new NoBackupException("no full snapshot in " + catalog.store().location()));
        return planFrom(generation);
    }

    static RestorePlan planFrom(Generation generation) {
        FullSnapshotRef full = generation.latestFull().orElseThrow();
        List<DeltaSegmentRef> chain = new ArrayList<>();
        long covered = full.revision();
        for (DeltaSegmentRef delta : generation.deltasAfter(full.revision())) {
            if (delta.lastRevision() <= covered) {
                continue; // wholly overlapped by segments already chosen (e.g. a leader handover)
            }
            if (delta.firstRevision() > covered + 1) {
                throw new RevisionGapException(generation.id(), covered, delta.firstRevision(), delta.key());
            }
            chain.add(delta);
            covered = delta.lastRevision();
        }
        return new RestorePlan(generation.id(), full, chain, covered);
    }
}
