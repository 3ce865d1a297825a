package io.etcdbackup.agent.lifecycle;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * How the sidecar's member reconciler runs ({@code server --service-endpoints ...}).
 *
 * @param serviceEndpoints the cluster's client URLs: membership changes are sent there
 * @param self             the member beside this agent
 * @param clusterSize      the desired number of voters; empty: members are never removed for scale-down (or it
 *                         is read from a StatefulSet)
 * @param statefulSet      the StatefulSet whose replicas are the desired size ({@code --cluster-size statefulset}), with
 *                         its namespace (empty: the Kubernetes client's)
 * @param removalGrace     how long a member beyond the desired size must be gone before the leader's agent removes it
 * @param dataDir          the member's data dir, next to which data moved aside for a rejoin is kept; empty when unknown
 */
public record LifecycleSettings(List<URI> serviceEndpoints, MemberSpec self, OptionalInt clusterSize,
                                Optional<StatefulSetRef> statefulSet, Duration removalGrace, Optional<Path> dataDir) {

    /** A StatefulSet, by name and namespace (empty: the Kubernetes client's). */
    public record StatefulSetRef(String name, Optional<String> namespace) {
    }


    public LifecycleSettings {
        serviceEndpoints = List.copyOf(serviceEndpoints);
        if (serviceEndpoints.isEmpty()) {
            throw new IllegalArgumentException("the member reconciler needs the cluster's client URLs");
        }
        Objects.requireNonNull(self, "self");
        Objects.requireNonNull(clusterSize, "clusterSize");
        Objects.requireNonNull(statefulSet, "statefulSet");
        if (clusterSize.isPresent() && statefulSet.isPresent()) {
            throw new IllegalArgumentException("the desired size is a number or a StatefulSet's replicas, not both");
        }
        Objects.requireNonNull(removalGrace, "removalGrace");
        Objects.requireNonNull(dataDir, "dataDir");
    }
}
