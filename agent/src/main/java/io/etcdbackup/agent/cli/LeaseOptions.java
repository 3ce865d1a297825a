package io.etcdbackup.agent.cli;

import io.etcdbackup.agent.config.Durations;
import io.etcdbackup.agent.config.EffectiveConfig;
import io.etcdbackup.agent.config.ProcessEnvironment;
import io.etcdbackup.agent.lease.LeaseSettings;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.Optional;

/** The Kubernetes Leases etcd-druid reads (the reference's flags, with its defaults), and their parsing into {@link LeaseSettings}. */
final class LeaseOptions {

    @Option(names = "--enable-snapshot-lease-renewal", defaultValue = "false", paramLabel = "BOOLEAN", arity = "0..1",
            description = "After each full snapshot and delta segment, write its last revision and time into the Leases "
                    + "--full-snapshot-lease-name and --delta-snapshot-lease-name (default: ${DEFAULT-VALUE}).")
    boolean snapshotLeases;

    @Option(names = "--full-snapshot-lease-name", defaultValue = "full-snapshot-revisions", paramLabel = "NAME",
            description = "The Lease holding the newest full snapshot's revision (default: ${DEFAULT-VALUE}; druid passes "
                    + "<etcd>-full-snap).")
    String fullSnapshotLease;

    @Option(names = "--delta-snapshot-lease-name", defaultValue = "delta-snapshot-revisions", paramLabel = "NAME",
            description = "The Lease holding the newest delta segment's revision (default: ${DEFAULT-VALUE}; druid passes "
                    + "<etcd>-delta-snap).")
    String deltaSnapshotLease;

    @Option(names = "--enable-member-lease-renewal", defaultValue = "false", paramLabel = "BOOLEAN", arity = "0..1",
            description = "Renew the member's Lease (named POD_NAME, else --name) every --k8s-heartbeat-duration while the "
                    + "member knows a leader (default: ${DEFAULT-VALUE}).")
    boolean memberLease;

    @Option(names = "--k8s-heartbeat-duration", defaultValue = "10s", paramLabel = "DURATION",
            description = "How often the member Lease is renewed (default: ${DEFAULT-VALUE}).")
    String heartbeat;

    @Option(names = "--create-leases", defaultValue = "false", paramLabel = "BOOLEAN", arity = "0..1",
            description = "Create a Lease that does not exist (without an operator such as etcd-druid, which creates them); "
                    + "otherwise a missing Lease is logged once and skipped (default: ${DEFAULT-VALUE}).")
    boolean createLeases;

    /**
     * The lease settings; empty when no lease is renewed or an option is bad (then recorded in {@code checks}).
     *
     * @param memberName the member's name (--name), for the member Lease when {@code POD_NAME} is not set
     */
    Optional<LeaseSettings> parse(EffectiveConfig checks, ProcessEnvironment env, String memberName) {
        Optional<Duration> period = checks.parse("--k8s-heartbeat-duration", heartbeat, LeaseOptions::positive);
        checks.parse("--full-snapshot-lease-name", fullSnapshotLease, LeaseOptions::leaseName);
        checks.parse("--delta-snapshot-lease-name", deltaSnapshotLease, LeaseOptions::leaseName);
        String member = env.variable("POD_NAME").filter(n -> !n.isBlank()).orElse(memberName);
        if (memberLease) {
            checks.parse("--enable-member-lease-renewal", member, LeaseOptions::leaseName);
        }
        if (!checks.problems().isEmpty() || !(snapshotLeases || memberLease)) {
            return Optional.empty();
        }
        return Optional.of(new LeaseSettings(env.variable("POD_NAMESPACE").filter(n -> !n.isBlank()), createLeases,
                snapshotLeases ? Optional.of(new LeaseSettings.SnapshotLeaseNames(fullSnapshotLease, deltaSnapshotLease)) : Optional.empty(),
                memberLease ? Optional.of(new LeaseSettings.MemberLeaseSettings(member, period.orElseThrow())) : Optional.empty()));
    }

    private static Duration positive(String text) {
        Duration d = Durations.parse(text);
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException("must be positive");
        }
        return d;
    }

    /** A Kubernetes object name (DNS subdomain: lowercase alphanumerics, '-' and '.', at most 253). */
    private static String leaseName(String name) {
        if (name.length() > 253 || !name.matches("[a-z0-9]([-a-z0-9.]*[a-z0-9])?")) {
            throw new IllegalArgumentException("not a Kubernetes object name (lowercase letters, digits, '-' and '.', at most 253)");
        }
        return name;
    }
}
