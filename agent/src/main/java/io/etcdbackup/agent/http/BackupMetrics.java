package io.etcdbackup.agent.http;

import io.etcdbackup.agent.backup.ContinuousBackup;
import io.etcdbackup.snapshot.catalog.CatalogWriter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.time.Clock;
import java.time.Duration;

/**
 * The sidecar's backup gauges. Names are Micrometer names; the Prometheus registry renders dots
 * as underscores, appends the base unit, and {@code _total} to counters:
 * <ul>
 *   <li>{@code etcdbr_snapshot_latest_revision}: the last revision durable in the store.</li>
 *   <li>{@code etcdbr_snapshot_latest_timestamp}: seconds since the epoch of the newest full
 *       snapshot this process took or continued from (NaN before there is one).</li>
 *   <li>{@code etcdbackup_recovery_point_lag_seconds}: seconds since the last delta segment was
 *       published (or since capture started); NaN while capture is not running. Deltas are only
 *       published when etcd changed, so on an idle cluster this grows without data being at risk.</li>
 *   <li>{@code etcdbackup_catalog_epoch}: the fencing epoch this writer holds (-1 before it has one).</li>
 *   <li>{@code etcdbackup_fenced_writer_total} (counter): how often this writer found itself fenced.</li>
 * </ul>
 */
final class BackupMetrics {

    private BackupMetrics() {
    }

    static void register(MeterRegistry registry, ContinuousBackup backup, CatalogWriter writer, Clock clock) {
        Gauge.builder("etcdbr.snapshot.latest.revision", backup, ContinuousBackup::lastPublishedRevision)
                .description("Last etcd revision durable in the store").register(registry);
        Gauge.builder("etcdbr.snapshot.latest.timestamp", backup,
                        b -> b.latestFull().map(f -> f.createdAt().toEpochMilli() / 1000.0).orElse(Double.NaN))
                .description("Creation time of the newest full snapshot, seconds since the epoch").register(registry);
        Gauge.builder("etcdbackup.recovery.point.lag", backup,
                        b -> b.lastDeltaPublishedAt().map(t -> Duration.between(t, clock.instant()).toMillis() / 1000.0).orElse(Double.NaN))
                .baseUnit("seconds")
                .description("Seconds since the last delta segment was published while capture runs").register(registry);
        Gauge.builder("etcdbackup.catalog.epoch", writer, CatalogWriter::epoch)
                .description("Fencing epoch this catalog writer holds").register(registry);
        // A counter, so that Prometheus shows it as etcdbackup_fenced_writer_total (a gauge may not end in _total).
        FunctionCounter.builder("etcdbackup.fenced.writer", writer, CatalogWriter::fencedCount)
                .description("Times this catalog writer found a newer writer had taken over").register(registry);
    }
}
