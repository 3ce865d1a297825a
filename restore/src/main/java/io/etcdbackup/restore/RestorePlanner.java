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
     * snapshot, and every delta segment after it. When this project's catalog holds no full
     * snapshot, backups of other tools found in the store are imported instead
     * ({@link io.etcdbackup.restore.imports.ReferenceLayout#latestPlan()}).
     *
     * @throws NoBackupException  if the store holds no full snapshot of any known layout
     * @throws RevisionGapException if the deltas after the base do not form a continuous chain
     */
    public RestorePlan latest() throws IOException {
        java.util.Optional<Generation> generation = catalog.latestRestorable();
        if (generation.isPresent()) {
            return planFrom(generation.get());
        }
        return io.etcdbackup.restore.imports.ReferenceLayout.of(catalog.store()).latestPlan()
                .orElseThrow(() -> new NoBackupException("no full snapshot in " + catalog.store().location()
                        + ": looked for this agent's " + io.etcdbackup.snapshot.catalog.BackupLayout.ROOT
                        + " objects, etcd-backup-restore's v2/Full-* and v1/Backup-*/Full-* objects,"
                        + " and plain etcd snapshot files (etcdctl snapshot save)"));
    }

    static RestorePlan planFrom(Generation generation) {
        return planFrom(generation, NativeFormat.INSTANCE);
    }

    /**
     * The latest state of one chain: its newest full snapshot and the delta segments after it.
     * Overlapping segments (a leader handover) are tolerated; wholly covered ones are skipped.
     *
     * @throws RevisionGapException if revisions are missing between the base and the last segment
     */
    public static RestorePlan planFrom(Generation generation, BackupFormat format) {
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
        return new RestorePlan(generation.id(), full, chain, covered, format);
    }
}
