package io.etcdbackup.agent.cli;

import io.etcdbackup.agent.config.Durations;
import io.etcdbackup.agent.config.EffectiveConfig;
import io.etcdbackup.agent.kubernetes.StatefulSetReplicas;
import io.etcdbackup.agent.lifecycle.LifecycleSettings;
import io.etcdbackup.agent.lifecycle.MemberSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Supplier;

/** The server's member reconciler: on with {@code --service-endpoints}. */
final class LifecycleOptions {

    @Mixin
    ServiceEndpointsOption service;

    @Option(names = "--cluster-size", paramLabel = "N|statefulset",
            description = "The desired number of voting members, or 'statefulset' for the replicas of the StatefulSet that runs "
                    + "this pod (POD_NAME without its ordinal, in POD_NAMESPACE; read through the Kubernetes API, needs 'get' on "
                    + "statefulsets). With --service-endpoints, the leader's agent removes a member whose name ends in an "
                    + "ordinal >= N once it has not answered for --member-removal-grace, one at a time and never when that "
                    + "would cost quorum. Without it, no member is removed.")
    String clusterSize;

    @Option(names = "--member-removal-grace", defaultValue = "1m", paramLabel = "DURATION",
            description = "How long a member beyond --cluster-size must not have answered before it is removed "
                    + "(default: ${DEFAULT-VALUE}).")
    String removalGrace;

    /**
     * The reconciler's settings; empty without {@code --service-endpoints}. Bad values are recorded in {@code checks}.
     *
     * @param restore          the member's options ({@code --initial-advertise-peer-urls})
     * @param memberName       the member's name ({@code --name}, else {@code POD_NAME}); with
     *                         {@code --cluster-size statefulset} the StatefulSet's pod name
     * @param namespace        {@code POD_NAMESPACE}, if set
     * @param templatePeerUrls the peer URLs etcd's configuration template gives the member, when
     *                         there is a template: used when {@code --initial-advertise-peer-urls}
     *                         is not given (as under etcd-druid); a wrong default would make the
     *                         reconciler "update" the member's peer URLs
     * @param dataDir          {@code --data-dir}, if given
     */
    Optional<LifecycleSettings> parse(EffectiveConfig checks, RestoreOptions restore, String memberName, Optional<String> namespace,
                                      Optional<Supplier<List<URI>>> templatePeerUrls, Path dataDir) {
        service.validate(checks);
        boolean fromStatefulSet = "statefulset".equals(clusterSize);
        Optional<Integer> size = fromStatefulSet ? Optional.empty() : checks.parse("--cluster-size", clusterSize, LifecycleOptions::size);
        Optional<LifecycleSettings.StatefulSetRef> statefulSet = fromStatefulSet
                ? checks.parse("--cluster-size", clusterSize, ignored -> new LifecycleSettings.StatefulSetRef(
                        StatefulSetReplicas.ofPod(memberName), namespace))
                : Optional.empty();
        Optional<Duration> grace = checks.parse("--member-removal-grace", removalGrace, LifecycleOptions::positive);
        if (clusterSize != null && service.serviceEndpoints == null) {
            checks.reject("--cluster-size", clusterSize, "needs --service-endpoints (the member reconciler)");
        }
        if (service.serviceEndpoints == null) {
            return Optional.empty();
        }
        Optional<MemberSpec> member = Optional.empty();
        if (checks.given("--initial-advertise-peer-urls") || templatePeerUrls.isEmpty()) {
            if (!checks.given("--initial-advertise-peer-urls")) {
                checks.reject("--service-endpoints", service.serviceEndpoints, "the member reconciler needs this member's peer URLs: "
                        + "give --initial-advertise-peer-urls, or an etcd configuration template that names them");
            }
            member = checks.parse("--initial-advertise-peer-urls", restore.peerUrls,
                    urls -> new MemberSpec(memberName, restore.memberSpec().peerUrls()));
        } else {
            member = checks.parse("--etcd-config-template", "initial-advertise-peer-urls of " + memberName,
                    ignored -> new MemberSpec(memberName, templatePeerUrls.get().get()));
        }
        if (!checks.problems().isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new LifecycleSettings(service.endpoints().orElseThrow(), member.orElseThrow(),
                size.map(OptionalInt::of).orElse(OptionalInt.empty()), statefulSet, grace.orElseThrow(), Optional.ofNullable(dataDir)));
    }

    private static int size(String text) {
        int n = Integer.parseInt(text.strip());
        if (n < 1) {
            throw new IllegalArgumentException("must be at least 1");
        }
        return n;
    }

    private static Duration positive(String text) {
        Duration d = Durations.parse(text);
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException("must be positive");
        }
        return d;
    }
}
