package io.etcdbackup.agent.lease;

import io.etcdbackup.agent.backup.BackupListener;
import io.etcdbackup.agent.schedule.ExecutorTaskScheduler;
import io.etcdbackup.agent.schedule.TaskScheduler;
import io.etcdbackup.snapshot.etcd.EtcdClients;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The Kubernetes Leases the sidecar renews for etcd-druid: the member Lease on its own heartbeat,
 * and the snapshot Leases as snapshots are published (through {@link #backupListener()}). All
 * writes run on one thread of its own; a write that fails is logged and never reaches the backup.
 */
public final class LeaseRenewal implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LeaseRenewal.class);
    /** How long closing waits for the queued Lease writes. */
    private static final Duration DRAIN = Duration.ofSeconds(10);

    private final LeaseStore store;
    private final TaskScheduler scheduler;
    private final Optional<SnapshotLeases> snapshots;
    private final Optional<MemberHeartbeat> heartbeat;
    private final Optional<MemberProbe> probe;

    LeaseRenewal(LeaseStore store, LeaseSettings settings, Optional<MemberProbe> probe, TaskScheduler scheduler) {
        this.store = store;
        this.scheduler = scheduler;
        this.probe = probe;
        this.snapshots = settings.snapshots().map(names -> new SnapshotLeases(store, names, scheduler));
        this.heartbeat = settings.member().map(member -> new MemberHeartbeat(store, member, probe.orElseThrow(), scheduler));
    }

    /**
     * Connects to the Kubernetes API the standard way (the pod's service account, else
     * {@code KUBECONFIG} or {@code ~/.kube/config}) and starts the member heartbeat if it is on.
     *
     * @throws IllegalArgumentException when no namespace is given and the client has none
     */
    public static LeaseRenewal start(LeaseSettings settings, EtcdClients etcd, Clock clock) {
        KubernetesClient client = new KubernetesClientBuilder().build();
        String namespace = settings.namespace().orElse(client.getNamespace());
        if (namespace == null || namespace.isBlank()) {
            client.close();
            throw new IllegalArgumentException("no namespace for the leases: set POD_NAMESPACE");
        }
        LeaseStore store = new LeaseStore(client, namespace, settings.createMissing());
        Optional<MemberProbe> probe = settings.member().map(m -> new EtcdMemberProbe(etcd));
        LeaseRenewal renewal = new LeaseRenewal(store, settings, probe, new ExecutorTaskScheduler(clock, "k8s-leases"));
        LOG.info("lease renewal started namespace={} api={} member_lease={} full_snapshot_lease={} delta_snapshot_lease={} "
                        + "create_leases={}", namespace, client.getMasterUrl(),
                settings.member().map(LeaseSettings.MemberLeaseSettings::name).orElse("off"),
                settings.snapshots().map(LeaseSettings.SnapshotLeaseNames::full).orElse("off"),
                settings.snapshots().map(LeaseSettings.SnapshotLeaseNames::delta).orElse("off"), settings.createMissing());
        renewal.startHeartbeat();
        return renewal;
    }

    void startHeartbeat() {
        heartbeat.ifPresent(MemberHeartbeat::start);
    }

    /** What the backup reports published snapshots to: the snapshot Leases, or nothing when they are off. */
    public BackupListener backupListener() {
        return snapshots.<BackupListener>map(s -> s).orElse(BackupListener.NONE);
    }

    /**
     * Stops the heartbeat, waits (up to {@link #DRAIN}) for the snapshot Lease writes already queued,
     * such as the one for the deltas published at shutdown, and closes the connections.
     */
    @Override
    public void close() {
        heartbeat.ifPresent(MemberHeartbeat::close);
        CountDownLatch drained = new CountDownLatch(1);
        scheduler.now(drained::countDown); // runs after the writes queued before it
        try {
            if (!drained.await(DRAIN.toSeconds(), TimeUnit.SECONDS)) {
                LOG.warn("lease writes still queued at shutdown are dropped waited_seconds={}", DRAIN.toSeconds());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        scheduler.close();
        probe.ifPresent(MemberProbe::close);
        store.close();
    }
}
