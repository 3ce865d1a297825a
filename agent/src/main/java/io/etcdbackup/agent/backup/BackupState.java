package io.etcdbackup.agent.backup;

import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
import io.etcdbackup.snapshot.catalog.FullSnapshotRef;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What a {@link ContinuousBackup} reports at one instant: the one view the HTTP API, the metrics
 * and the status read. Immutable; take a new one with {@link ContinuousBackup#state()}.
 *
 * @param generation            the generation being captured, once started
 * @param capturing             whether deltas are being captured: started, not failed, not closed
 * @param failure               why capture stopped for good (fenced by another writer), if it did
 * @param lastReceivedRevision  the last revision received from etcd (buffered or published), 0
 *                              before capture
 * @param lastPublishedRevision the last revision durable in the store, 0 before the first segment
 * @param latestFull            the newest full snapshot of the current generation this backup took
 *                              or continued from (or a compaction made)
 * @param lastDelta             the last delta segment this backup published (any generation)
 * @param lastDeltaPublishedAt  when the last delta segment was published, or when capture started
 *                              if none was yet; empty before capture started
 * @param chain                 the chain a restore of the latest state would replay now
 * @param lastCompaction        the last compaction this backup ran, if any
 * @param secondary             how far the second store is behind, when one is kept in sync
 * @param recoveryPoint         the newest instant at which every revision etcd had was durable
 *                              ({@link RecoveryPoint}); empty while unknown
 * @param asOf                  when this state was taken, on the backup's clock
 */
public record BackupState(Optional<String> generation, boolean capturing, Optional<Throwable> failure,
                          long lastReceivedRevision, long lastPublishedRevision, Optional<FullSnapshotRef> latestFull,
                          Optional<DeltaSegmentRef> lastDelta, Optional<Instant> lastDeltaPublishedAt, ChainStats chain,
                          Optional<CompactionOutcome> lastCompaction, Optional<SecondarySite.Status> secondary,
                          Optional<Instant> recoveryPoint, Instant asOf) {

    public BackupState {
        Objects.requireNonNull(generation, "generation");
        Objects.requireNonNull(failure, "failure");
        Objects.requireNonNull(latestFull, "latestFull");
        Objects.requireNonNull(lastDelta, "lastDelta");
        Objects.requireNonNull(lastDeltaPublishedAt, "lastDeltaPublishedAt");
        Objects.requireNonNull(chain, "chain");
        Objects.requireNonNull(lastCompaction, "lastCompaction");
        Objects.requireNonNull(secondary, "secondary");
        Objects.requireNonNull(recoveryPoint, "recoveryPoint");
        Objects.requireNonNull(asOf, "asOf");
    }

    /**
     * How far the store is behind etcd, in time: {@link #asOf} minus the recovery point (never
     * negative). Empty while capture is not running or before the first observation of etcd's
     * revision became durable.
     */
    public Optional<Duration> recoveryPointLag() {
        if (!capturing) {
            return Optional.empty();
        }
        return recoveryPoint.map(p -> p.isAfter(asOf) ? Duration.ZERO : Duration.between(p, asOf));
    }
}
