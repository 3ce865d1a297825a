package io.etcdbackup.agent.kubernetes;

import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Supplier;

/**
 * The desired number of members: {@code spec.replicas} of the StatefulSet that runs the etcd pods
 * ({@code --cluster-size statefulset}), read through the Kubernetes API at most once per
 * {@code refresh}. When the API cannot be read, the last value read holds; before the first, the
 * size is unknown (empty), and the reconciler then removes no member.
 */
public final class StatefulSetReplicas implements Supplier<OptionalInt>, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StatefulSetReplicas.class);

    private final KubernetesClient client;
    private final Optional<String> namespace;
    private final String name;
    private final Duration refresh;
    private final Clock clock;
    private OptionalInt last = OptionalInt.empty();
    private Instant readAt = Instant.MIN;

    /**
     * @param client    the Kubernetes client (closed with this)
     * @param namespace the StatefulSet's namespace; empty for the client's
     * @param name      the StatefulSet's name
     * @param refresh   how long a value read is used before it is read again
     */
    public StatefulSetReplicas(KubernetesClient client, Optional<String> namespace, String name, Duration refresh, Clock clock) {
        this.client = client;
        this.namespace = namespace;
        this.name = name;
        this.refresh = refresh;
        this.clock = clock;
    }

    /** Over the in-cluster (or kubeconfig) configuration, re-read every 30 s. */
    public static StatefulSetReplicas inCluster(Optional<String> namespace, String name, Clock clock) {
        return new StatefulSetReplicas(new KubernetesClientBuilder().build(), namespace, name, Duration.ofSeconds(30), clock);
    }

    @Override
    public synchronized OptionalInt get() {
        Instant now = clock.instant();
        if (readAt.plus(refresh).isAfter(now)) {
            return last;
        }
        readAt = now;
        try {
            StatefulSet set = namespace.map(n -> client.apps().statefulSets().inNamespace(n)).orElseGet(() -> client.apps().statefulSets()
                    .inNamespace(client.getNamespace())).withName(name).get();
            if (set == null || set.getSpec() == null || set.getSpec().getReplicas() == null) {
                LOG.warn("statefulset replicas unknown statefulset={} reason=\"not found or no spec.replicas\" using={}", name, describe(last));
                return last;
            }
            int replicas = set.getSpec().getReplicas();
            if (last.isEmpty() || last.getAsInt() != replicas) {
                LOG.info("desired cluster size statefulset={} replicas={}", name, replicas);
            }
            last = OptionalInt.of(replicas);
        } catch (KubernetesClientException e) {
            LOG.warn("statefulset replicas unreadable statefulset={} using={}", name, describe(last), e);
        }
        return last;
    }

    private static String describe(OptionalInt size) {
        return size.isPresent() ? Integer.toString(size.getAsInt()) : "none";
    }

    /**
     * The StatefulSet that runs pod {@code podName}: the name without its {@code -<ordinal>}.
     *
     * @throws IllegalArgumentException when the name ends in no ordinal
     */
    public static String ofPod(String podName) {
        int dash = podName.lastIndexOf('-');
        if (dash <= 0 || dash == podName.length() - 1 || !podName.substring(dash + 1).chars().allMatch(Character::isDigit)) {
            throw new IllegalArgumentException("pod name '" + podName + "' does not end in -<ordinal>: not a StatefulSet's pod");
        }
        return podName.substring(0, dash);
    }

    @Override
    public void close() {
        client.close();
    }
}
