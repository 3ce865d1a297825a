package io.etcdbackup.agent.cli;

import io.etcdbackup.agent.config.EffectiveConfig;
import io.etcdbackup.agent.config.ProcessEnvironment;
import io.etcdbackup.agent.lease.LeaseSettings;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The reference's lease flags, as etcd-druid passes them, parsed into {@link LeaseSettings}. */
class LeaseOptionsTest {

    @Command(name = "leases")
    static final class Holder {
        @Mixin
        LeaseOptions leases;
        @Spec
        CommandSpec spec;
    }

    private record Parsed(Optional<LeaseSettings> settings, java.util.List<String> problems) {
    }

    private static Parsed parse(Map<String, String> env, String... args) {
        Holder holder = new Holder();
        new CommandLine(holder).parseArgs(args);
        EffectiveConfig checks = new EffectiveConfig(holder.spec);
        Optional<LeaseSettings> settings = holder.leases.parse(checks, new ProcessEnvironment(env, Path.of("/tmp")), "etcd-name");
        return new Parsed(settings, checks.problems());
    }

    @Test
    void druidsArgumentsTurnOnBothKindsOfLeaseWithTheirNames() {
        Parsed parsed = parse(Map.of("POD_NAME", "etcd-main-1", "POD_NAMESPACE", "shoot--dev"),
                "--enable-snapshot-lease-renewal=true", "--full-snapshot-lease-name=etcd-main-full-snap",
                "--delta-snapshot-lease-name=etcd-main-delta-snap", "--enable-member-lease-renewal=true", "--k8s-heartbeat-duration=10s");
        assertThat(parsed.problems()).isEmpty();
        assertThat(parsed.settings()).contains(new LeaseSettings(Optional.of("shoot--dev"), false,
                Optional.of(new LeaseSettings.SnapshotLeaseNames("etcd-main-full-snap", "etcd-main-delta-snap")),
                Optional.of(new LeaseSettings.MemberLeaseSettings("etcd-main-1", Duration.ofSeconds(10)))));
    }

    @Test
    void byDefaultNoLeaseIsRenewedAndABareFlagMeansTrue() {
        assertThat(parse(Map.of()).settings()).isEmpty();
        assertThat(parse(Map.of(), "--enable-snapshot-lease-renewal=false", "--enable-member-lease-renewal=false").settings()).isEmpty();
        Parsed bare = parse(Map.of(), "--enable-member-lease-renewal", "--create-leases");
        assertThat(bare.settings()).contains(new LeaseSettings(Optional.empty(), true, Optional.empty(),
                Optional.of(new LeaseSettings.MemberLeaseSettings("etcd-name", Duration.ofSeconds(10)))));
    }

    @Test
    void badValuesAreReportedNamingTheOption() {
        Parsed parsed = parse(Map.of("POD_NAME", "Etcd_0"), "--enable-member-lease-renewal=true", "--k8s-heartbeat-duration=0s",
                "--full-snapshot-lease-name=Full Snap");
        assertThat(parsed.settings()).isEmpty();
        assertThat(parsed.problems()).containsExactly(
                "--k8s-heartbeat-duration = '0s' (from flag): must be positive",
                "--full-snapshot-lease-name = 'Full Snap' (from flag): not a Kubernetes object name (lowercase letters, digits, '-' and '.', "
                        + "at most 253)",
                "--enable-member-lease-renewal = 'Etcd_0' (from flag): not a Kubernetes object name (lowercase letters, digits, '-' and '.', "
                        + "at most 253)");
    }

    @Test
    void printConfigListsTheLeaseOptions() {
        MainAccess.Result result = MainAccess.run(Map.of(), "server", "--endpoints", "http://127.0.0.1:2379", "--store", "file:///tmp/x",
                "--enable-snapshot-lease-renewal=true", "--full-snapshot-lease-name=etcd-main-full-snap", "--print-config");
        assertThat(result.code()).isZero();
        assertThat(result.out()).contains("enable-snapshot-lease-renewal: true  # flag", "full-snapshot-lease-name: etcd-main-full-snap  # flag",
                "delta-snapshot-lease-name: delta-snapshot-revisions  # default", "enable-member-lease-renewal: false  # default",
                "k8s-heartbeat-duration: 10s  # default", "create-leases: false  # default");
    }
}
