package io.etcdbackup.helm;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The etcd configuration template in the chart's ConfigMap, which the init container's
 * {@code initialize --etcd-config-template ... --etcd-config-out ...} renders into the file etcd
 * starts with. The agent fills in {@code ${POD_NAME}} and the two keys it decides; the pods test
 * (agent module, {@code HelmPodsIT}) starts etcd from what it writes.
 */
class EtcdConfigTemplateRenderTest {

    @TempDir
    Path work;

    @Test
    void the_template_holds_everything_but_the_two_keys_the_init_step_decides() throws Exception {
        Map<String, Object> values = Map.of("store", Map.of("url", "s3://etcd-backups/prod"),
                "tls", Map.of("peer", Map.of("enabled", true), "client", Map.of("enabled", true), "api", Map.of("enabled", false)),
                "etcd", Map.of("extraConfig", Map.of("heartbeat-interval", 200)));
        JsonNode configMap = Chart.objects(Chart.template(values, work)).stream()
                .filter(o -> o.path("kind").asText().equals("ConfigMap")).findFirst().orElseThrow();

        assertThat(configMap.path("data").fieldNames()).toIterable().containsExactly("etcd.conf.yaml.tpl");
        JsonNode etcd = Chart.YAML.readTree(configMap.path("data").path("etcd.conf.yaml.tpl").asText());
        assertThat(etcd.path("name").asText()).isEqualTo("${POD_NAME}");
        assertThat(etcd.path("initial-advertise-peer-urls").asText())
                .isEqualTo("https://${POD_NAME}.prod-etcd-backup-agent-peer.etcd.svc.cluster.local:2380");
        assertThat(etcd.path("advertise-client-urls").asText())
                .isEqualTo("https://${POD_NAME}.prod-etcd-backup-agent-peer.etcd.svc.cluster.local:2379");
        assertThat(etcd.path("data-dir").asText()).isEqualTo("/var/lib/etcd/data");
        assertThat(etcd.path("client-transport-security").path("client-cert-auth").asBoolean()).isTrue();
        assertThat(etcd.path("peer-transport-security").path("trusted-ca-file").asText()).endsWith("peer-tls/ca.crt");
        assertThat(etcd.path("heartbeat-interval").asInt()).isEqualTo(200);
        assertThat(etcd.has("initial-cluster")).isFalse();
        assertThat(etcd.has("initial-cluster-state")).isFalse();
    }
}
