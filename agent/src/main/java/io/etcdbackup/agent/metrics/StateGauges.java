package io.etcdbackup.agent.metrics;

import io.etcdbackup.agent.backup.BackupState;
import io.etcdbackup.agent.cluster.LeaderGatedBackup;
import io.etcdbackup.agent.cluster.Role;
import io.etcdbackup.snapshot.catalog.CatalogWriter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.Optional;
import java.util.function.ToDoubleFunction;

/**
 * Gauges of the sidecar's current state, read when scraped. Prometheus names:
 * <ul>
 *   <li>{@code etcdbr_snapshot_latest_revision}: the last revision durable in the store (0 on a
 *       follower's agent, which does not write).</li>
 *   <li>{@code etcdbr_snapshot_latest_timestamp}: seconds since the epoch of the newest full
 *       snapshot this agent took or continued from (NaN before there is one).</li>
 *   <li>{@code etcdbr_snapshot_required{kind="Full"}}: 1 while this agent leads but has no
 *       generation to continue (its first full snapshot is pending), else 0.</li>
 *   <li>{@code etcdbr_snapstore_latest_deltas_total}: delta segments published since the newest
 *       full snapshot (resets when one is taken, although the name ends in {@code _total}, as in
 *       the reference); {@code etcdbr_snapstore_latest_deltas_revisions_total}: the revisions
 *       they cover.</li>
 *   <li>{@code etcdbr_cluster_size}: members in the member list; {@code etcdbr_is_learner}: 1
 *       when the local member is a learner; {@code etcdbackup_is_leader}: 1 when it leads.</li>
 *   <li>{@code etcdbackup_recovery_point_lag_seconds}: now minus the newest instant at which
 *       every revision etcd had was durable in the store (etcd's revision is read at each leader
 *       check); NaN while this agent does not capture. On an idle cluster it stays below the
 *       leader check period; it grows when capture or uploads fall behind.</li>
 *   <li>{@code etcdbackup_chain_segments}, {@code etcdbackup_chain_events},
 *       {@code etcdbackup_predicted_restore_seconds}: the chain a restore of the latest state
 *       replays; {@code etcdbackup_compaction_last_success_timestamp}.</li>
 *   <li>{@code etcdbackup_catalog_epoch}: the fencing epoch this writer holds (-1 before it has one).</li>
 *   <li>{@code etcdbackup_fenced_writer_total}: how often this writer found itself fenced.</li>
 * </ul>
 */
public final class StateGauges {

    private StateGauges() {
    }

    /** Registers the gauges on {@code registry}, reading {@code gate}, its backup's state and {@code writer}. */
    public static void register(MeterRegistry registry, LeaderGatedBackup gate, CatalogWriter writer) {
        Gauge.builder("etcdbr.snapshot.latest.revision", gate, backup(BackupState::lastPublishedRevision, 0))
                .description("Last etcd revision durable in the store").register(registry);
        Gauge.builder("etcdbr.snapshot.latest.timestamp", gate,
                        backup(b -> b.latestFull().map(f -> f.createdAt().toEpochMilli() / 1000.0).orElse(Double.NaN), Double.NaN))
                .description("Creation time of the newest full snapshot, seconds since the epoch").register(registry);
        Gauge.builder("etcdbr.snapshot.required", gate,
                        g -> g.isLeader() && g.backupState().flatMap(BackupState::generation).isEmpty() ? 1 : 0)
                .tag("kind", BackupMetrics.Kind.FULL.label())
                .description("1 while a full snapshot is needed before deltas can be captured").register(registry);
        FunctionCounter.builder("etcdbr.snapstore.latest.deltas", gate, backup(b -> b.chain().segments(), 0))
                .description("Delta segments published since the newest full snapshot").register(registry);
        FunctionCounter.builder("etcdbr.snapstore.latest.deltas.revisions", gate,
                        backup(b -> b.latestFull().map(f -> Math.max(0, b.lastPublishedRevision() - f.revision())).orElse(0L), 0))
                .description("Revisions in the delta segments since the newest full snapshot").register(registry);
        Gauge.builder("etcdbr.cluster.size", gate, g -> g.view().clusterSize())
                .description("Members in the etcd member list").register(registry);
        Gauge.builder("etcdbr.is.learner", gate, g -> g.view().role() == Role.LEARNER ? 1 : 0)
                .description("1 when the local etcd member is a learner").register(registry);
        Gauge.builder("etcdbackup.is.leader", gate, g -> g.isLeader() ? 1 : 0)
                .description("1 when the local etcd member leads, so this agent writes backups").register(registry);
        Gauge.builder("etcdbackup.recovery.point.lag", gate,
                        backup(b -> b.recoveryPointLag().map(lag -> lag.toMillis() / 1000.0).orElse(Double.NaN), Double.NaN))
                .baseUnit("seconds")
                .description("Seconds since the newest instant at which all of etcd's revisions were durable in the store")
                .register(registry);
        Gauge.builder("etcdbackup.chain.segments", gate, backup(b -> b.chain().segments(), 0))
                .description("Delta segments a restore of the latest state replays").register(registry);
        Gauge.builder("etcdbackup.chain.events", gate, backup(b -> b.chain().events(), 0))
                .description("Delta events since the newest full snapshot (base)").register(registry);
        Gauge.builder("etcdbackup.predicted.restore", gate, backup(b -> b.chain().predictedRestore().toMillis() / 1000.0, Double.NaN))
                .baseUnit("seconds").description("Predicted time to restore the latest state").register(registry);
        Gauge.builder("etcdbackup.compaction.last.success.timestamp", gate,
                        backup(b -> b.lastCompaction().filter(c -> c.failure().isEmpty())
                                .map(c -> c.finishedAt().toEpochMilli() / 1000.0).orElse(Double.NaN), Double.NaN))
                .description("When the last successful compaction finished, seconds since the epoch").register(registry);
        Gauge.builder("etcdbackup.secondary.behind.revisions", gate,
                        backup(b -> b.secondary().map(st -> (double) st.behindRevisions()).orElse(Double.NaN), Double.NaN))
                .description("Revisions the second store (--secondary-store) lacks of the primary's newest; NaN without one")
                .register(registry);
        Gauge.builder("etcdbackup.secondary.behind", gate,
                        backup(b -> b.secondary().map(st -> (double) st.behindSeconds()).orElse(Double.NaN), Double.NaN))
                .baseUnit("seconds")
                .description("Seconds the second store has not held the primary's newest revision; NaN without one").register(registry);
        Gauge.builder("etcdbackup.catalog.epoch", writer, CatalogWriter::epoch)
                .description("Fencing epoch this catalog writer holds").register(registry);
        // A counter, so that Prometheus shows it as etcdbackup_fenced_writer_total (a gauge may not end in _total).
        FunctionCounter.builder("etcdbackup.fenced.writer", writer, CatalogWriter::fencedCount)
                .description("Times this catalog writer found a newer writer had taken over").register(registry);
    }

    /** {@code value} of the running backup's state, read once per scrape of the gauge; {@code otherwise} when none runs. */
    private static ToDoubleFunction<LeaderGatedBackup> backup(ToDoubleFunction<BackupState> value, double otherwise) {
        return gate -> {
            Optional<BackupState> state = gate.backupState();
            return state.isPresent() ? value.applyAsDouble(state.get()) : otherwise;
        };
    }
}
