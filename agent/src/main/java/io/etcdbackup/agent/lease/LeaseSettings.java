package io.etcdbackup.agent.lease;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Which Kubernetes Leases the agent renews, and where. At least one of {@link #snapshots} and
 * {@link #member} is present (otherwise there is nothing to renew and no settings).
 *
 * @param namespace     the Leases' namespace ({@code POD_NAMESPACE}); empty for the Kubernetes client's own
 *                      (the service account's, or the kubeconfig context's)
 * @param createMissing whether a missing Lease is created ({@code --create-leases}); otherwise it is logged once and skipped
 * @param snapshots     the full and delta snapshot Leases
 * @param member        the member Lease and its heartbeat
 */
public record LeaseSettings(Optional<String> namespace, boolean createMissing, Optional<SnapshotLeaseNames> snapshots,
                            Optional<MemberLeaseSettings> member) {

    public LeaseSettings {
        Objects.requireNonNull(namespace, "namespace");
        if (snapshots.isEmpty() && member.isEmpty()) {
            throw new IllegalArgumentException("no lease to renew");
        }
    }

    /** The Leases whose holder is the last revision of the newest full snapshot and delta segment. */
    public record SnapshotLeaseNames(String full, String delta) {
    }

    /** The member Lease {@code name}, renewed every {@code heartbeat}. */
    public record MemberLeaseSettings(String name, Duration heartbeat) {

        public MemberLeaseSettings {
            if (heartbeat.isZero() || heartbeat.isNegative()) {
                throw new IllegalArgumentException("heartbeat must be positive, got " + heartbeat);
            }
        }
    }
}
