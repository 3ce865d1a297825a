package io.etcdbackup.helm;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;

/** The validator the chart tests rely on refuses what Kubernetes would refuse (so those tests can fail). */
class KubernetesSchemasTest {

    static JsonNode yaml(String text) throws IOException {
        return Chart.YAML.readTree(text);
    }

    static final String STATEFUL_SET = """
            apiVersion: apps/v1
            kind: StatefulSet
            metadata: {name: etcd}
            spec:
              replicas: %s
              serviceName: etcd-peer
              selector: {matchLabels: {app: etcd}}
              template:
                metadata: {labels: {app: etcd}}
                spec:
                  containers:
                    - %s
            """;

    @Test
    void a_valid_stateful_set_passes() throws IOException {
        assertThat(KubernetesSchemas.problems(yaml(STATEFUL_SET.formatted("3", "{name: etcd, image: etcd}")))).isEmpty();
    }

    @Test
    void an_unknown_field_deep_in_a_pod_is_refused() throws IOException {
        assertThat(KubernetesSchemas.problems(yaml(STATEFUL_SET.formatted("3", "{name: etcd, image: etcd, readinesProbe: {}}"))))
                .singleElement().asString().contains("readinesProbe");
    }

    @Test
    void a_missing_required_field_is_refused() throws IOException {
        assertThat(KubernetesSchemas.problems(yaml(STATEFUL_SET.formatted("3", "{image: etcd}"))))
                .singleElement().asString().contains("name");
    }

    @Test
    void a_string_where_an_object_belongs_is_refused() throws IOException {
        assertThat(KubernetesSchemas.problems(yaml(STATEFUL_SET.formatted("3", "{name: etcd, image: etcd, resources: lots}"))))
                .isNotEmpty();
    }

    @Test
    void an_unknown_field_in_a_service_monitor_is_refused() throws IOException {
        JsonNode monitor = yaml("""
                apiVersion: monitoring.coreos.com/v1
                kind: ServiceMonitor
                metadata: {name: etcd}
                spec:
                  selector: {matchLabels: {app: etcd}}
                  endpoints: [{port: agent, intervall: 30s}]
                """);
        assertThat(KubernetesSchemas.problems(monitor)).singleElement().asString().contains("intervall");
    }

    @Test
    void an_unknown_field_in_a_certificate_is_refused() throws IOException {
        JsonNode certificate = yaml("""
                apiVersion: cert-manager.io/v1
                kind: Certificate
                metadata: {name: etcd}
                spec: {secretName: s, issuerRef: {name: ca}, dnsName: [a]}
                """);
        assertThat(KubernetesSchemas.problems(certificate)).singleElement().asString().contains("dnsName");
    }

    @Test
    void a_kind_without_a_known_schema_is_refused() throws IOException {
        assertThat(KubernetesSchemas.problems(yaml("{apiVersion: v1, kind: Pdo, metadata: {name: x}}")))
                .singleElement().asString().contains("no schema known");
    }
}
