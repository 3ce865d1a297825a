package io.etcdbackup.agent.kubernetes;

import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The desired size read from the StatefulSet that runs the etcd pods (fabric8's mock API server in CRUD mode). */
@EnableKubernetesMockClient(crud = true, https = false)
class StatefulSetReplicasTest {

    static KubernetesMockServer server;
    static KubernetesClient client;

    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-12-06T10:00:00Z"));
    private final Clock clock = new Clock() {
        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    };

    private void scale(String name, int replicas) {
        client.apps().statefulSets().inNamespace("shoot").resource(new StatefulSetBuilder().withNewMetadata().withName(name)
                .withNamespace("shoot").endMetadata().withNewSpec().withReplicas(replicas).endSpec().build()).createOr(r -> r.update());
    }

    @Test
    void theDesiredSizeIsTheStatefulSetsReplicasReadAgainAfterTheRefreshPeriod() {
        scale("etcd-main", 5);
        StatefulSetReplicas replicas = new StatefulSetReplicas(client, Optional.of("shoot"), "etcd-main", Duration.ofSeconds(30), clock);
        assertThat(replicas.get()).isEqualTo(OptionalInt.of(5));

        scale("etcd-main", 3);
        assertThat(replicas.get()).as("within the refresh period").isEqualTo(OptionalInt.of(5));
        now.set(now.get().plusSeconds(31));
        assertThat(replicas.get()).isEqualTo(OptionalInt.of(3));
    }

    @Test
    void aMissingStatefulSetLeavesTheSizeUnknownSoNoMemberIsRemoved() {
        StatefulSetReplicas replicas = new StatefulSetReplicas(client, Optional.of("shoot"), "no-such-set", Duration.ofSeconds(30), clock);
        assertThat(replicas.get()).isEmpty();
    }

    @Test
    void theStatefulSetIsThePodsNameWithoutItsOrdinal() {
        assertThat(StatefulSetReplicas.ofPod("etcd-main-2")).isEqualTo("etcd-main");
        assertThat(StatefulSetReplicas.ofPod("etcd-events-10")).isEqualTo("etcd-events");
        assertThatThrownBy(() -> StatefulSetReplicas.ofPod("etcd")).hasMessageContaining("does not end in -<ordinal>");
        assertThatThrownBy(() -> StatefulSetReplicas.ofPod("etcd-main-")).hasMessageContaining("does not end in -<ordinal>");
    }
}
