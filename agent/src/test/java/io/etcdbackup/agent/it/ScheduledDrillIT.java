package io.etcdbackup.agent.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.etcdbackup.snapshot.testing.EtcdClusterExtension;
import io.etcdbackup.stores.testing.Await;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static io.etcdbackup.stores.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sidecar runs restore drills on --drill-schedule (here every minute, cron's finest) while it
 * captures, and shows the outcome in /v1/status and /metrics.
 */
class ScheduledDrillIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    final EtcdClusterExtension etcd = EtcdClusterExtension.members(1);

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private String get(String base, String path) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return response.body();
    }

    private static double metric(String scrape, String name, String labels) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(\\{[^}]*" + Pattern.quote(labels) + "[^}]*\\})? (\\S+)$")
                .matcher(scrape);
        assertThat(m.find()).as("%s{%s} in\n%s", name, labels, scrape).isTrue();
        return Double.parseDouble(m.group(2));
    }

    @Test
    void theLeadersAgentDrillsOnItsScheduleAndReportsTheProvenRevisionInStatusAndMetrics() throws Exception {
        Path storeDir = dir.resolve("store");
        Path scratch = dir.resolve("scratch");
        new Workload(etcd.client(), 81).run(60, false);
        Path log = dir.resolve("server.log");
        ProcessBuilder builder = AgentProcess.builder(List.of(), "server", "--endpoints", etcd.endpoints(),
                "--store", "file://" + storeDir, "--delta-period", "200ms", "--full-schedule", "", "--gc-period", "0s",
                "--server-port", "0", "--leader-check-period", "1s", "--drill-schedule", "* * * * *",
                "--etcd-bin-dir", etcd.binaries().etcd().getParent().toString(), "--scratch-dir", scratch.toString());
        builder.redirectErrorStream(true).redirectOutput(log.toFile());
        Process server = builder.start();
        try {
            String base = "http://127.0.0.1:" + AgentProcess.awaitHttpPort(log, server);
            new Workload(etcd.client(), 82).run(60, false);

            // The first scheduled minute may come before this agent has confirmed it leads: allow a few.
            assertThat(JSON.readTree(get(base, "/v1/status")).path("drill").path("schedule").asText()).isEqualTo("* * * * *");
            JsonNode drill;
            try {
                drill = await("a drill within 4 minutes", Duration.ofSeconds(240), () -> {
                    JsonNode now = JSON.readTree(get(base, "/v1/status")).path("drill");
                    if (now.path("last").isNull()) {
                        assertThat(server.isAlive()).as(Files.readString(log)).isTrue();
                    }
                    return now;
                }, now -> !now.path("last").isNull());
            } catch (Await.TimedOut timedOut) {
                throw new AssertionError(timedOut.getMessage() + ": " + Files.readString(log), timedOut);
            }
            JsonNode last = drill.path("last");
            assertThat(last.path("outcome").asText()).as(drill.toString()).isEqualTo("passed");
            long revision = last.path("revision").asLong();
            assertThat(revision).isPositive();
            long live = Integer.toUnsignedLong(etcd.client().getMaintenanceClient()
                    .hashKV(etcd.clientUrls().get(0).toString(), revision).get().getHash());
            assertThat(last.path("hash").asLong()).as("the live cluster's own hash at the drilled revision").isEqualTo(live);
            assertThat(drill.path("passedRevision").asLong()).isEqualTo(revision);
            assertThat(drill.path("passedAgeSeconds").asDouble(-1)).isGreaterThanOrEqualTo(0);

            String scrape = get(base, "/metrics");
            assertThat(metric(scrape, "etcdbackup_drill_passed_revision", "")).isEqualTo(revision);
            assertThat(metric(scrape, "etcdbackup_drill_passed_age_seconds", "")).isGreaterThanOrEqualTo(0);
            assertThat(metric(scrape, "etcdbackup_drill_outcome", "outcome=\"passed\"")).isEqualTo(1);
            assertThat(metric(scrape, "etcdbackup_drill_runs_total", "outcome=\"passed\"")).isGreaterThanOrEqualTo(1);
            assertThat(metric(scrape, "etcdbackup_drill_runs_total", "outcome=\"mismatch\"")).isZero();
        } finally {
            assertThat(AgentProcess.stop(server)).as("exited on SIGTERM").isTrue();
        }
        assertThat(server.exitValue()).as(Files.readString(log)).isZero();
        try (Stream<Path> left = Files.exists(scratch) ? Files.list(scratch) : Stream.empty()) {
            assertThat(left).as("each drill removes its scratch member").isEmpty();
        }
    }
}
