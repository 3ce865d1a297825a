package io.etcdbackup.agent.backup;

import io.etcdbackup.agent.schedule.CronSchedule;
import io.etcdbackup.compaction.Compactor;
import io.etcdbackup.snapshot.maintenance.ClusterDefragmenter;
import io.etcdbackup.snapshot.merge.MergeRunner;
import io.etcdbackup.snapshot.retention.RetentionPolicy;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The maintenance a {@link ContinuousBackup} runs beside capture once it has started, each part
 * present only when configured. Given to the backup's constructor; a backup cannot be
 * reconfigured.
 *
 * @param retention       retention, every period
 * @param defragmentation defragmentation of the cluster's members, on a cron schedule
 * @param compaction      folding the chain into a new base when it passes thresholds
 * @param merging         merging small delta segments into larger ones, every period
 * @param secondary       a second store kept in sync, every period
 */
public record Maintenance(Optional<Retention> retention, Optional<Defragmentation> defragmentation,
                          Optional<Compaction> compaction, Optional<Merging> merging, Optional<SecondarySite> secondary) {

    public Maintenance {
        Objects.requireNonNull(retention, "retention");
        Objects.requireNonNull(defragmentation, "defragmentation");
        Objects.requireNonNull(compaction, "compaction");
        Objects.requireNonNull(merging, "merging");
        Objects.requireNonNull(secondary, "secondary");
    }

    /** No maintenance: capture and full snapshots only. */
    public static Maintenance none() {
        return new Maintenance(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
    }

    /** This maintenance, with retention. */
    public Maintenance withRetention(Retention retention) {
        return new Maintenance(Optional.of(retention), defragmentation, compaction, merging, secondary);
    }

    /** This maintenance, with defragmentation. */
    public Maintenance withDefragmentation(Defragmentation defragmentation) {
        return new Maintenance(retention, Optional.of(defragmentation), compaction, merging, secondary);
    }

    /** This maintenance, with compaction. */
    public Maintenance withCompaction(Compaction compaction) {
        return new Maintenance(retention, defragmentation, Optional.of(compaction), merging, secondary);
    }

    /** This maintenance, with merging. */
    public Maintenance withMerging(Merging merging) {
        return new Maintenance(retention, defragmentation, compaction, Optional.of(merging), secondary);
    }

    /** This maintenance, with a second store kept in sync. */
    public Maintenance withSecondary(SecondarySite secondary) {
        return new Maintenance(retention, defragmentation, compaction, merging, Optional.of(secondary));
    }

    /**
     * Retention: {@code policy} applied every {@code period} (the first run one period after
     * capture started), sparing objects younger than {@code grace}. Orphans (objects never
     * indexed) are collected every 60th run, as that lists the whole store.
     */
    public record Retention(RetentionPolicy policy, Duration grace, Duration period) {
    }

    /**
     * Defragmentation of the cluster's members (learners and followers first, the leader last) at
     * the times of {@code schedule}. It runs on the backup's scheduler, so never during a full
     * snapshot.
     */
    public record Defragmentation(CronSchedule schedule, ClusterDefragmenter defragmenter) {
    }

    /**
     * Compaction: the chain is folded into a new base with {@code compactor} (offline, from the
     * store, in the background: capture goes on) whenever a published segment makes it pass
     * {@code thresholds}; at most one at a time.
     */
    public record Compaction(CompactionThresholds thresholds, Compactor compactor) {
    }

    /**
     * Merging: small delta segments are merged into larger ones with {@code merger} every
     * {@code period}, on the thread compaction uses (so never at the same time as a compaction).
     */
    public record Merging(MergeRunner merger, Duration period) {
    }
}
