package io.etcdbackup.agent.lease;

import io.etcdbackup.agent.schedule.TaskScheduler;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The member Lease as etcd-druid reads it, renewed every heartbeat on {@code scheduler}:
 * {@code holderIdentity} {@code <memberID hex>:<clusterID hex>:<Leader|Member>}, the annotation
 * {@value #TLS_ANNOTATION} ({@code "true"} when the member's peer URLs are https) and
 * {@code renewTime} now. While the member knows no leader the Lease is not renewed, so that druid
 * sees the member as not ready. A failed beat is logged and the next one comes on time.
 */
final class MemberHeartbeat implements AutoCloseable {

    static final String TLS_ANNOTATION = "member.etcd.gardener.cloud/tls-enabled";

    private static final Logger LOG = LoggerFactory.getLogger(MemberHeartbeat.class);

    private final LeaseStore store;
    private final String name;
    private final MemberProbe probe;
    private final TaskScheduler scheduler;
    private final Duration period;
    private volatile boolean closed;
    private volatile boolean leaderless;
    private TaskScheduler.Scheduled next;

    MemberHeartbeat(LeaseStore store, LeaseSettings.MemberLeaseSettings settings, MemberProbe probe, TaskScheduler scheduler) {
        this.store = store;
        this.name = settings.name();
        this.period = settings.heartbeat();
        this.probe = probe;
        this.scheduler = scheduler;
    }

    /** Beats now and then every period until {@link #close()}. */
    synchronized void start() {
        next = scheduler.now(this::beatAndReschedule);
    }

    private void beatAndReschedule() {
        if (closed) {
            return;
        }
        beat();
        synchronized (this) {
            if (!closed) {
                next = scheduler.after(period, this::beatAndReschedule);
            }
        }
    }

    /** One heartbeat: reads the member and renews the Lease if it knows a leader; never throws. */
    Optional<LeaseStore.Outcome> beat() {
        try {
            MemberState state = probe.read();
            if (!state.knowsLeader()) {
                if (!leaderless) {
                    LOG.warn("member knows no leader; member lease not renewed until it does lease={} member_id={}", name,
                            Long.toHexString(state.memberId()));
                }
                leaderless = true;
                return Optional.empty();
            }
            leaderless = false;
            return Optional.of(store.write(name, lease -> Optional.of(renewed(lease, state))));
        } catch (RuntimeException e) {
            LOG.warn("member lease not renewed lease={}", name, e);
            return Optional.empty();
        }
    }

    private Lease renewed(Lease lease, MemberState state) {
        lease.getSpec().setHolderIdentity(state.holderIdentity());
        lease.getSpec().setRenewTime(LeaseStore.microTime(scheduler.clock().instant()));
        Map<String, String> annotations = new HashMap<>(Optional.ofNullable(lease.getMetadata().getAnnotations()).orElse(Map.of()));
        annotations.put(TLS_ANNOTATION, Boolean.toString(state.peerTls()));
        lease.getMetadata().setAnnotations(annotations);
        return lease;
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (next != null) {
            next.cancel();
        }
    }
}
