package io.etcdbackup.agent.lease;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.HttpURLConnection;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Leases of one namespace as the agent writes them: read, changed, written back with the
 * read's {@code resourceVersion}, so a concurrent writer makes the write fail with a conflict and
 * the change is applied again to what it wrote. A missing Lease is created only when
 * {@code createMissing}; otherwise it is logged once (until it appears) and skipped.
 */
final class LeaseStore implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LeaseStore.class);
    private static final int ATTEMPTS = 3;

    /** A change to one Lease: given a copy of it (a new, empty one when it is created), the Lease to store, or empty to leave it. */
    interface Change {
        Optional<Lease> apply(Lease lease);
    }

    /** What {@link #write} did. */
    enum Outcome { WRITTEN, CREATED, UNCHANGED, MISSING }

    private final KubernetesClient client;
    private final String namespace;
    private final boolean createMissing;
    private final Set<String> reportedMissing = ConcurrentHashMap.newKeySet();

    /** Takes ownership of {@code client}: {@link #close()} closes it. */
    LeaseStore(KubernetesClient client, String namespace, boolean createMissing) {
        this.client = client;
        this.namespace = namespace;
        this.createMissing = createMissing;
    }

    String namespace() {
        return namespace;
    }

    /**
     * Applies {@code change} to the Lease {@code name}.
     *
     * @throws KubernetesClientException when the API server refuses or cannot be reached
     */
    Outcome write(String name, Change change) {
        for (int attempt = 1; ; attempt++) {
            Lease current = client.resources(Lease.class).inNamespace(namespace).withName(name).get();
            try {
                if (current == null) {
                    return create(name, change);
                }
                reportedMissing.remove(name);
                Optional<Lease> next = change.apply(new LeaseBuilder(current).build());
                if (next.isEmpty()) {
                    return Outcome.UNCHANGED;
                }
                client.resource(next.get()).inNamespace(namespace).update();
                return Outcome.WRITTEN;
            } catch (KubernetesClientException e) {
                if (e.getCode() != HttpURLConnection.HTTP_CONFLICT || attempt == ATTEMPTS) {
                    throw e;
                }
                LOG.debug("lease changed meanwhile, applying the change again lease={} attempt={}", name, attempt);
            }
        }
    }

    private Outcome create(String name, Change change) {
        if (!createMissing) {
            if (reportedMissing.add(name)) {
                LOG.warn("lease does not exist, not renewing it (the operator creates it, or --create-leases) lease={} namespace={}",
                        name, namespace);
            }
            return Outcome.MISSING;
        }
        Lease empty = new LeaseBuilder().withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                .withNewSpec().endSpec().build();
        Optional<Lease> first = change.apply(empty);
        if (first.isEmpty()) {
            return Outcome.UNCHANGED;
        }
        client.resource(first.get()).inNamespace(namespace).create();
        LOG.info("lease created lease={} namespace={}", name, namespace);
        return Outcome.CREATED;
    }

    /** {@code instant} as a Lease's {@code renewTime}: Kubernetes' MicroTime holds microseconds (fabric8 writes it in UTC). */
    static ZonedDateTime microTime(Instant instant) {
        return instant.truncatedTo(ChronoUnit.MICROS).atZone(ZoneOffset.UTC);
    }

    @Override
    public void close() {
        client.close();
    }
}
