package io.etcdbackup.helm;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The alerts and the dashboard use metrics the agent exports (the README's metrics table), and the dashboard is JSON. */
class MonitoringTest {

    private static final Pattern METRIC = Pattern.compile("\\b(etcdbackup|etcdbr)_[a-z_]+");

    @TempDir
    Path work;

    @Test
    void alerts_and_dashboard_name_only_metrics_the_agent_exports() throws IOException {
        List<JsonNode> objects = Chart.objects(Chart.template(new ValuesMatrix("s3", true, 3, false).values(), work));
        JsonNode rule = Chart.only(objects, "PrometheusRule");
        JsonNode dashboardMap = objects.stream().filter(o -> o.path("metadata").path("name").asText().endsWith("-dashboard"))
                .findFirst().orElseThrow();
        JsonNode dashboard = Chart.JSON.readTree(dashboardMap.path("data").path("etcd-backup-agent.json").asText());

        Set<String> used = new TreeSet<>();
        collect(rule.toString(), used);
        collect(dashboard.toString(), used);
        String readme = Files.readString(Chart.root().resolve("README.md"), StandardCharsets.UTF_8);

        assertThat(used).contains("etcdbackup_recovery_point_lag_seconds", "etcdbackup_cluster_quorum_lost",
                "etcdbr_snapshotter_failure", "etcdbackup_drill_passed_age_seconds");
        assertThat(used).allSatisfy(metric -> assertThat(readme).contains("`" + metric));
        assertThat(dashboard.path("panels")).isNotEmpty();
        assertThat(rule.path("spec").path("groups").findValues("alert")).extracting(JsonNode::asText)
                .contains("EtcdBackupRecoveryPointLag", "EtcdBackupSnapshotFailing", "EtcdBackupRestoreDrillStale",
                        "EtcdClusterQuorumLost");
    }

    private static void collect(String text, Set<String> metrics) {
        Matcher matcher = METRIC.matcher(text);
        while (matcher.find()) {
            metrics.add(matcher.group());
        }
    }
}
