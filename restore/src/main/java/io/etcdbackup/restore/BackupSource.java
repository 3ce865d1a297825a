package io.etcdbackup.restore;

import io.etcdbackup.snapshot.catalog.Generation;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * One layout of backups in a store that a restore can start from: this agent's own catalog
 * ({@code eba-v1/}), or the objects of another tool that we import (gardener/etcd-backup-restore's
 * {@code v2/} and {@code v1/}, plain etcd snapshot files: {@code io.etcdbackup.restore.imports}).
 *
 * <p>The {@link RestorePlanner} reads its sources in the order it was given them (this agent's
 * own first) and restores the first that holds a full snapshot. Which sources exist is decided
 * by whoever assembles the planner (the agent), so {@code restore} depends on no importer and an
 * importer depends on {@code restore}, never the reverse.
 *
 * <p>Implementations read the store on every call (nothing is cached) and are safe to share.
 */
public interface BackupSource {

    /**
     * What this source looks for, for a {@link NoBackupException} when no source holds a full
     * snapshot; e.g. {@code "this agent's eba-v1/ objects"}.
     */
    String description();

    /**
     * The latest restorable state of this source: its newest chain's newest full snapshot and
     * every delta segment after it, with the {@link BackupFormat} that reads its objects.
     *
     * @return empty when this source holds no full snapshot (then the next source is asked)
     * @throws RevisionGapException if the chosen chain's deltas after its base leave revisions out
     * @throws IOException          if the store cannot be read
     */
    Optional<RestorePlan> latestPlan() throws IOException;

    /**
     * Every chain of this source, for listing (oldest first); chains without objects are left out.
     *
     * @throws IOException if the store cannot be read
     */
    List<Generation> generations() throws IOException;
}
