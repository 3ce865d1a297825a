package io.etcdbackup.agent.cli;

import io.etcdbackup.agent.config.EffectiveConfig;
import io.etcdbackup.snapshot.etcd.EtcdConnection;
import picocli.CommandLine.Option;

import java.net.URI;
import java.util.List;
import java.util.Optional;

/** {@code --service-endpoints}: the cluster's client URLs, which switch the member reconciler on (the reference's name). */
final class ServiceEndpointsOption {

    @Option(names = "--service-endpoints", paramLabel = "URL[,URL...]",
            description = "The cluster's client URLs (in Kubernetes the client Service; else every member's). With them the member "
                    + "reconciler runs: initialize joins, rejoins or restores as the cluster's state requires, and server promotes "
                    + "its learner, removes members beyond --cluster-size, updates changed peer URLs and reports quorum loss. "
                    + "TLS and credentials as for --endpoints.")
    String serviceEndpoints;

    void validate(EffectiveConfig config) {
        config.check("--service-endpoints", serviceEndpoints, EtcdConnection::parseEndpoints);
    }

    /** The parsed URLs; empty when the option is not given. */
    Optional<List<URI>> endpoints() {
        return Optional.ofNullable(serviceEndpoints).map(EtcdConnection::parseEndpoints);
    }
}
