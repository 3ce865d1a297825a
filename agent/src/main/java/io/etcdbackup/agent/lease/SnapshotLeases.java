package io.etcdbackup.agent.lease;

import io.etcdbackup.agent.backup.BackupListener;
import io.etcdbackup.agent.schedule.TaskScheduler;
import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
import io.etcdbackup.snapshot.catalog.FullSnapshotRef;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The full and delta snapshot Leases as etcd-druid reads them: {@code holderIdentity} is the last
 * revision the newest snapshot holds, in decimal, and {@code renewTime} the snapshot's time. A
 * revision is never lowered: a Lease that holds a higher one is left as it is. A quiet delta period
 * (a flush with nothing new) renews the delta Lease too, with the revision already published, as
 * the reference does each delta period: druid's BackupReady wants it renewed within two periods. The Lease is written
 * on {@code scheduler}'s thread, so the backup's threads never wait for the API server; a failed
 * write is logged and the backup goes on.
 */
final class SnapshotLeases implements BackupListener {

    private static final Logger LOG = LoggerFactory.getLogger(SnapshotLeases.class);

    private final LeaseStore store;
    private final LeaseSettings.SnapshotLeaseNames names;
    private final TaskScheduler scheduler;

    SnapshotLeases(LeaseStore store, LeaseSettings.SnapshotLeaseNames names, TaskScheduler scheduler) {
        this.store = store;
        this.names = names;
        this.scheduler = scheduler;
    }

    @Override
    public void fullTaken(Duration took, FullSnapshotRef full) {
        scheduler.now(() -> renew(names.full(), full.revision(), full.createdAt()));
    }

    /** A compacted base is a full snapshot of the newest revision: druid stops starting compaction Jobs once this Lease catches up. */
    @Override
    public void baseCompacted(FullSnapshotRef base) {
        scheduler.now(() -> renew(names.full(), base.revision(), base.createdAt()));
    }

    @Override
    public void deltaPublished(Duration took, DeltaSegmentRef segment) {
        scheduler.now(() -> renew(names.delta(), segment.lastRevision(), segment.publishedAt()));
    }

    @Override
    public void deltaUpToDate(long lastPublishedRevision, Instant at) {
        scheduler.now(() -> renew(names.delta(), lastPublishedRevision, at));
    }

    /** Writes {@code revision} and {@code at} into the Lease {@code name} unless it holds a higher revision; never throws. */
    LeaseStore.Outcome renew(String name, long revision, Instant at) {
        try {
            return store.write(name, lease -> raise(lease, revision, at));
        } catch (RuntimeException e) {
            LOG.warn("snapshot lease not renewed lease={} revision={}", name, revision, e);
            return LeaseStore.Outcome.UNCHANGED;
        }
    }

    private static Optional<Lease> raise(Lease lease, long revision, Instant at) {
        Optional<Long> held = heldRevision(lease.getSpec().getHolderIdentity());
        if (held.isPresent() && held.get() > revision) {
            return Optional.empty(); // never lowered, and not renewed by an older snapshot
        }
        lease.getSpec().setHolderIdentity(Long.toString(revision));
        lease.getSpec().setRenewTime(LeaseStore.microTime(at));
        return Optional.of(lease);
    }

    /** The revision a Lease holds; empty when it holds none (new, or written by someone else). */
    private static Optional<Long> heldRevision(String holder) {
        if (holder == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(Long.parseLong(holder.trim()));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
