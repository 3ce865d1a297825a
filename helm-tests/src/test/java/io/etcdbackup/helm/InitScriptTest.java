package io.etcdbackup.helm;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The init container's script, as rendered, run by /bin/sh with a stand-in for the agent that
 * prints what {@code initialize} prints: etcd's configuration file is the rendered template with
 * the member's name and the two values the agent decided.
 */
class InitScriptTest {

    static final String DECISION = "decision=JOIN successful=true initial_cluster_state=existing "
            + "initial_cluster=prod-etcd-backup-agent-0=https://a:2380,prod-etcd-backup-agent-3=https://d:2380 "
            + "data_dir=/var/lib/etcd/data revision=none took=12ms reason=\"added as a learner: the cluster has quorum\"";

    @TempDir
    Path work;
    Path script;
    Path template;
    Path config;

    @BeforeEach
    void render() throws IOException {
        Map<String, Object> values = Map.of("store", Map.of("url", "s3://etcd-backups/prod"),
                "tls", Map.of("peer", Map.of("enabled", true), "client", Map.of("enabled", true), "api", Map.of("enabled", false)),
                "etcd", Map.of("extraConfig", Map.of("heartbeat-interval", 200)));
        JsonNode configMap = Chart.objects(Chart.template(values, work)).stream()
                .filter(o -> o.path("kind").asText().equals("ConfigMap")).findFirst().orElseThrow();
        script = Files.writeString(work.resolve("initialize.sh"), configMap.path("data").path("initialize.sh").asText());
        template = Files.writeString(work.resolve("etcd.conf.yaml.tpl"), configMap.path("data").path("etcd.conf.yaml.tpl").asText());
        config = work.resolve("etcd.conf.yaml");
    }

    @Test
    void etcd_gets_the_template_with_its_name_and_the_agents_decision() throws Exception {
        Result result = run(0, DECISION);

        assertThat(result.exit).as(result.output).isZero();
        assertThat(result.output).contains(DECISION);
        JsonNode etcd = Chart.YAML.readTree(config.toFile());
        assertThat(etcd.path("name").asText()).isEqualTo("prod-etcd-backup-agent-3");
        assertThat(etcd.path("initial-cluster-state").asText()).isEqualTo("existing");
        assertThat(etcd.path("initial-cluster").asText())
                .isEqualTo("prod-etcd-backup-agent-0=https://a:2380,prod-etcd-backup-agent-3=https://d:2380");
        assertThat(etcd.path("initial-advertise-peer-urls").asText())
                .isEqualTo("https://prod-etcd-backup-agent-3.prod-etcd-backup-agent-peer.etcd.svc.cluster.local:2380");
        assertThat(etcd.path("advertise-client-urls").asText())
                .isEqualTo("https://prod-etcd-backup-agent-3.prod-etcd-backup-agent-peer.etcd.svc.cluster.local:2379");
        assertThat(etcd.path("data-dir").asText()).isEqualTo("/var/lib/etcd/data");
        assertThat(etcd.path("client-transport-security").path("client-cert-auth").asBoolean()).isTrue();
        assertThat(etcd.path("peer-transport-security").path("trusted-ca-file").asText()).endsWith("peer-tls/ca.crt");
        assertThat(etcd.path("heartbeat-interval").asInt()).isEqualTo(200);
        assertThat(Files.readString(config)).doesNotContain("${POD_NAME}");
    }

    @Test
    void a_refusal_passes_the_agents_exit_code_and_writes_no_configuration() throws Exception {
        Result result = run(3, "decision=REFUSE successful=false initial_cluster_state=new initial_cluster=a=http://a:2380");

        assertThat(result.exit).isEqualTo(3);
        assertThat(config).doesNotExist();
    }

    @Test
    void an_answer_without_the_two_values_fails_the_init_container() throws Exception {
        Result result = run(0, "something else");

        assertThat(result.exit).isEqualTo(1);
        assertThat(result.output).contains("printed no initial_cluster_state");
        assertThat(config).doesNotExist();
    }

    record Result(int exit, String output) {
    }

    /** The script with a stand-in agent that prints {@code line} and exits with {@code exit}. */
    Result run(int exit, String line) throws Exception {
        Path agent = Files.writeString(work.resolve("fake-agent"),
                "#!/bin/sh\n[ \"$1\" = initialize ] || exit 2\nprintf '%s\\n' '" + line.replace("'", "'\\''") + "'\nexit " + exit + "\n");
        List<String> command = new ArrayList<>(List.of("/bin/sh", script.toString(), "/bin/sh", agent.toString(), "initialize",
                "--data-dir=/var/lib/etcd/data"));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("POD_NAME", "prod-etcd-backup-agent-3");
        builder.environment().put("CONFIG_TEMPLATE", template.toString());
        builder.environment().put("CONFIG_FILE", config.toString());
        builder.environment().put("TMPDIR", work.toString());
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return new Result(process.exitValue(), output);
    }
}
