package io.etcdbackup.agent.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.etcd.jetcd.Client;
import io.etcdbackup.snapshot.testing.EtcdClusterExtension;
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
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.etcdbackup.stores.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/** The sidecar's HTTP API through the real `server` process: every endpoint, auth, errors, metrics. */
class HttpApiIT {

    private static final String TOKEN = "s3cret-token-for-the-test";
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    final EtcdClusterExtension etcd = EtcdClusterExtension.members(1);

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private String base;

    private HttpResponse<String> send(String method, String path, boolean authenticated) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (authenticated) {
            request.header("Authorization", "Bearer " + TOKEN);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode ok(HttpResponse<String> response) throws Exception {
        assertThat(response.statusCode()).as("%s %s", response.request().uri(), response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
        return JSON.readTree(response.body());
    }

    private static void assertJsonError(HttpResponse<String> response, int status, String containing) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(JSON.readTree(response.body()).path("error").asText()).contains(containing);
    }

    private static double metric(String scrape, String name, String labels) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "\\{[^}]*" + Pattern.quote(labels) + "[^}]*\\} (\\S+)$").matcher(scrape);
        assertThat(m.find()).as("%s{%s} in\n%s", name, labels, scrape).isTrue();
        return Double.parseDouble(m.group(1));
    }

    private static double metric(String scrape, String name) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(\\{[^}]*\\})? (\\S+)$").matcher(scrape);
        assertThat(m.find()).as("%s in\n%s", name, scrape).isTrue();
        return Double.parseDouble(m.group(2));
    }

    private static long write(Client client, String prefix, int count) throws Exception {
        long revision = 0;
        for (int i = 0; i < count; i++) {
            revision = client.getKVClient().put(Workload.bytes(prefix + i), Workload.bytes("v" + i)).get().getHeader().getRevision();
        }
        return revision;
    }

    @Test
    void everyEndpointWorksThroughTheRunningServer() throws Exception {
        Path storeDir = dir.resolve("store");
        Path tokenFile = dir.resolve("token");
        Files.writeString(tokenFile, TOKEN + "\n");
        Client source = etcd.client();
        write(source, "/before/", 5);

        Path log = dir.resolve("server.log");
        Path memberDataDir = dir.resolve("member.etcd");
        Path template = dir.resolve("etcd.conf.yaml");
        Files.writeString(template, """
                name: placeholder
                data-dir: /var/etcd/data
                initial-advertise-peer-urls: http://${POD_NAME}.peers:2380
                advertise-client-urls: http://${POD_NAME}.peers:2379
                initial-cluster: etcd-0=http://etcd-0.peers:2380
                initial-cluster-state: new
                """);
        ProcessBuilder builder = AgentProcess.builder(List.of(), "server", "--endpoints", etcd.endpoints(),
                "--store", "file://" + storeDir, "--delta-period", "200ms", "--full-schedule", "",
                "--server-port", "0", "--api-token-file", tokenFile.toString(),
                "--data-dir", memberDataDir.toString(), "--etcd-bin-dir", etcd.binaries().etcd().getParent().toString(),
                "--name", "etcd-0", "--initial-cluster", "etcd-0=http://127.0.0.1:2380", "--initial-advertise-peer-urls",
                "http://127.0.0.1:2380", "--etcd-config-template", template.toString());
        builder.redirectErrorStream(true).redirectOutput(log.toFile());
        Process server = builder.start();
        try {
            base = "http://127.0.0.1:" + AgentProcess.awaitHttpPort(log, server);

            // Healthy once capture has started (the first full snapshot of a new generation).
            HttpResponse<String> health = await("healthy", Duration.ofSeconds(30), () -> {
                HttpResponse<String> now = send("GET", "/healthz", false);
                if (now.statusCode() != 200) {
                    assertThat(now.statusCode()).isEqualTo(503);
                    assertThat(JSON.readTree(now.body()).path("health").asBoolean(true)).isFalse();
                }
                return now;
            }, now -> now.statusCode() == 200);
            assertThat(JSON.readTree(health.body()).path("health").asBoolean()).isTrue();

            // Mutations without (or with a wrong) token are refused, and nothing is taken.
            assertJsonError(send("POST", "/snapshot/full", false), 401, "token");
            assertJsonError(send("GET", "/snapshot/delta", false), 401, "token");
            assertJsonError(send("POST", "/v1/snapshots/full", false), 401, "token");
            HttpResponse<String> wrong = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/snapshots/delta"))
                    .header("Authorization", "Bearer " + TOKEN + "x").POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertJsonError(wrong, 401, "token");
            // Malformed parameter.
            assertJsonError(send("POST", "/snapshot/full?final=maybe", true), 400, "final");
            assertJsonError(send("GET", "/no/such/path", false), 404, "");

            // A delta after writes covers them.
            long written = write(source, "/a/", 20);
            JsonNode delta = ok(send("POST", "/snapshot/delta", true));
            assertThat(delta.path("kind").asText()).isEqualTo("Incr");
            assertThat(delta.path("lastRevision").asLong()).isGreaterThanOrEqualTo(written);
            assertThat(delta.path("startRevision").asLong()).isPositive().isLessThanOrEqualTo(delta.path("lastRevision").asLong());
            assertThat(delta.path("snapDir").asText() + "/" + delta.path("snapName").asText()).startsWith(delta.path("prefix").asText());
            assertThat(delta.path("isChunk").asBoolean(true)).isFalse();
            assertThat(delta.path("compressionSuffix").asText("x")).isEmpty();

            // A full snapshot (GET works too, as the reference's controller may use it).
            JsonNode full = ok(send("GET", "/snapshot/full?final=true", true));
            assertThat(full.path("kind").asText()).isEqualTo("Full");
            assertThat(full.path("startRevision").asLong()).isZero();
            assertThat(full.path("lastRevision").asLong()).isGreaterThanOrEqualTo(written);
            assertThat(full.path("isFinal").asBoolean()).isTrue();
            assertThat(full.path("createdOn").asText()).isNotEmpty();

            long more = write(source, "/b/", 10);
            JsonNode delta2 = ok(send("GET", "/snapshot/delta", true));
            assertThat(delta2.path("lastRevision").asLong()).isGreaterThanOrEqualTo(more);

            JsonNode latest = ok(send("GET", "/snapshot/latest", false));
            assertThat(latest.path("fullSnapshot").path("snapName").asText()).isEqualTo(full.path("snapName").asText());
            List<String> deltaNames = new ArrayList<>();
            latest.path("deltaSnapshots").forEach(d -> deltaNames.add(d.path("snapName").asText()));
            assertThat(deltaNames).contains(delta2.path("snapName").asText()).doesNotContain(delta.path("snapName").asText());

            // Our API.
            JsonNode v1Full = ok(send("POST", "/v1/snapshots/full", true));
            assertThat(v1Full.path("revision").asLong()).isGreaterThanOrEqualTo(more);
            long last = write(source, "/c/", 3);
            JsonNode v1Delta = ok(send("POST", "/v1/snapshots/delta", true));
            assertThat(v1Delta.path("lastPublishedRevision").asLong()).isGreaterThanOrEqualTo(last);
            assertThat(v1Delta.path("segment").path("lastRevision").asLong()).isGreaterThanOrEqualTo(last);

            JsonNode status = ok(send("GET", "/v1/status", false));
            assertThat(status.path("role").asText()).as("a single member leads").isEqualTo("LEADER");
            assertThat(status.path("healthy").asBoolean()).isTrue();
            assertThat(status.path("clusterSize").asInt()).isEqualTo(1);
            assertThat(status.path("memberId").asText()).isEqualTo(status.path("leaderId").asText()).isNotBlank();
            assertThat(status.path("storeHealthy").asBoolean()).isTrue();
            assertThat(status.path("lastDeltaRevision").asLong()).isGreaterThanOrEqualTo(last);
            assertThat(status.path("capturing").asBoolean()).isTrue();
            assertThat(status.path("generation").asText()).isNotBlank();
            assertThat(status.path("lastPublishedRevision").asLong()).isGreaterThanOrEqualTo(last);
            assertThat(status.path("latestFullRevision").asLong()).isEqualTo(v1Full.path("revision").asLong());
            assertThat(status.path("latestFullCreatedAt").asText()).isEqualTo(v1Full.path("createdAt").asText());
            assertThat(status.path("secondsSinceLastDelta").asDouble(-1)).isBetween(0.0, 30.0);
            assertThat(status.path("recoveryPointLagSeconds").asDouble(-1)).as("known after an on-demand delta").isBetween(0.0, 30.0);
            assertThat(status.path("catalogEpoch").asLong()).isPositive();
            assertThat(status.path("failure").isNull()).isTrue();

            JsonNode catalog = ok(send("GET", "/v1/catalog", false));
            assertThat(catalog.path("generations")).hasSize(1);
            JsonNode generation = catalog.path("generations").get(0);
            assertThat(generation.path("id").asText()).isEqualTo(status.path("generation").asText());
            assertThat(generation.path("fulls")).hasSize(3); // the generation's first, /snapshot/full, /v1/snapshots/full
            assertThat(generation.path("deltas").size()).isGreaterThanOrEqualTo(3);
            assertThat(generation.path("lastRevision").asLong()).isGreaterThanOrEqualTo(last);

            // The reference's member endpoints: /config, and /initialization over the server's data dir.
            HttpResponse<String> config = send("GET", "/config", false);
            assertThat(config.statusCode()).as(config.body()).isEqualTo(200);
            assertThat(config.body()).contains("name: etcd-0", "http://etcd-0.peers:2380", "initial-cluster-state: new");
            assertThat(send("GET", "/initialization/status", false).body()).isEqualTo("New");
            assertJsonError(send("POST", "/initialization/start", false), 401, "token");
            assertJsonError(send("POST", "/initialization/start?mode=thorough", true), 400, "mode");
            HttpResponse<String> started = send("POST", "/initialization/start?mode=sanity", true);
            assertThat(started.statusCode()).as(started.body()).isEqualTo(200);
            String state = await("initialization finishes", Duration.ofSeconds(120), () -> send("GET", "/initialization/status", false).body(),
                    now -> !now.equals("Progress"));
            assertThat(state).as("an empty data dir is restored from the backups").isEqualTo("Successful");
            assertThat(send("GET", "/initialization/status", false).body()).as("reading a finished state resets it").isEqualTo("New");
            assertThat(memberDataDir.resolve("member/snap/db")).exists();
            JsonNode initStatus = ok(send("GET", "/v1/status", false)).path("initialization");
            assertThat(initStatus.path("lastDecision").asText()).isEqualTo("RESTORE");
            assertThat(initStatus.path("restore").path("phase").asText()).isEqualTo("DONE");
            assertThat(initStatus.path("restore").path("bytesFetched").asLong())
                    .isEqualTo(initStatus.path("restore").path("totalBytes").asLong()).isPositive();
            assertThat(memberDataDir.resolve("etcd-backup-agent.safeguard")).exists();

            JsonNode latestPlan = ok(send("GET", "/v1/restore-plan", false));
            assertThat(latestPlan.path("targetRevision").asLong()).isGreaterThanOrEqualTo(last);
            assertThat(latestPlan.path("exact").asBoolean(true)).isFalse();
            long pointRevision = full.path("lastRevision").asLong() + 1;
            JsonNode pointPlan = ok(send("GET", "/v1/restore-plan?revision=" + pointRevision, false));
            assertThat(pointPlan.path("targetRevision").asLong()).isEqualTo(pointRevision);
            assertThat(pointPlan.path("exact").asBoolean()).isTrue();
            assertThat(pointPlan.path("estimatedSeconds").asLong()).isPositive();
            assertJsonError(send("GET", "/v1/restore-plan?revision=minus-one", false), 400, "revision");
            assertJsonError(send("GET", "/v1/restore-plan?revision=999999", false), 404, "999999");

            JsonNode openApi = ok(send("GET", "/v1/openapi.json", false));
            assertThat(openApi.path("openapi").asText()).startsWith("3.");
            List<String> paths = new ArrayList<>();
            openApi.path("paths").fieldNames().forEachRemaining(paths::add);
            assertThat(paths).containsExactlyInAnyOrder("/snapshot/full", "/snapshot/delta", "/snapshot/latest", "/healthz",
                    "/initialization/start", "/initialization/status", "/config",
                    "/metrics", "/v1/status", "/v1/catalog", "/v1/restore-plan", "/v1/keys", "/v1/history", "/v1/snapshots/full", "/v1/snapshots/delta",
                    "/v1/openapi.json");

            HttpResponse<String> metrics = send("GET", "/metrics", false);
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
            String scrape = metrics.body();
            assertThat(metric(scrape, "etcdbr_snapshot_latest_revision")).isGreaterThanOrEqualTo(last);
            assertThat(metric(scrape, "etcdbr_snapshot_latest_timestamp"))
                    .isEqualTo(java.time.Instant.parse(v1Full.path("createdAt").asText()).toEpochMilli() / 1000.0);
            assertThat(metric(scrape, "etcdbackup_recovery_point_lag_seconds")).isBetween(0.0, 30.0);
            assertThat(metric(scrape, "etcdbackup_catalog_epoch")).isEqualTo(status.path("catalogEpoch").asDouble());
            assertThat(metric(scrape, "etcdbackup_fenced_writer_total")).isZero();
            assertThat(scrape).contains("# TYPE etcdbackup_fenced_writer_total counter", "# TYPE etcdbr_snapshot_latest_revision gauge");
            assertThat(metric(scrape, "etcdbackup_store_calls_seconds_count")).isPositive();
            // The reference's names, with its kind labels.
            assertThat(metric(scrape, "etcdbr_snapshot_duration_seconds_count", "kind=\"Full\",succeeded=\"true\"")).isEqualTo(3);
            assertThat(metric(scrape, "etcdbr_snapshot_duration_seconds_count", "kind=\"Incr\",succeeded=\"true\""))
                    .isGreaterThanOrEqualTo(3);
            assertThat(metric(scrape, "etcdbr_snapshotter_failure", "kind=\"Full\"")).isZero();
            assertThat(metric(scrape, "etcdbackup_uploaded_bytes_total", "kind=\"Full\"")).isPositive();
            assertThat(metric(scrape, "etcdbr_snapshot_required", "kind=\"Full\"")).isZero();
            assertThat(metric(scrape, "etcdbr_snapstore_latest_deltas_total")).isGreaterThanOrEqualTo(1);
            assertThat(metric(scrape, "etcdbr_snapstore_latest_deltas_revisions_total")).isGreaterThanOrEqualTo(3);
            assertThat(metric(scrape, "etcdbr_cluster_size")).isEqualTo(1);
            assertThat(metric(scrape, "etcdbr_is_learner")).isZero();
            assertThat(metric(scrape, "etcdbackup_is_leader")).isEqualTo(1);
            assertThat(scrape).contains("etcdbr_snapshot_gc_total{kind=\"Full\"");
        } finally {
            assertThat(AgentProcess.stop(server)).as("exited on SIGTERM").isTrue();
        }
        String output = Files.readString(log);
        assertThat(server.exitValue()).as(output).isZero();
        assertThat(output).doesNotContain(TOKEN);
    }

    @Test
    void withACertificateTheApiIsServedOverHttpsOnly() throws Exception {
        io.etcdbackup.agent.http.TestCertificates.Issued issued = io.etcdbackup.agent.http.TestCertificates.selfSigned("etcd-0", "EC");
        Path[] files = issued.write(dir, "server");
        Path log = dir.resolve("https-server.log");
        ProcessBuilder builder = AgentProcess.builder(List.of(), "server", "--endpoints", etcd.endpoints(),
                "--store", "file://" + dir.resolve("store"), "--full-schedule", "", "--server-port", "0",
                "--server-cert", files[0].toString(), "--server-key", files[1].toString());
        builder.redirectErrorStream(true).redirectOutput(log.toFile());
        Process server = builder.start();
        try {
            int port = AgentProcess.awaitHttpPort(log, server);
            HttpClient https = HttpClient.newBuilder().sslContext(issued.trustingOnlyThis()).connectTimeout(Duration.ofSeconds(5)).build();
            HttpResponse<String> health = https.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/healthz"))
                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isIn(200, 503);
            assertThat(JSON.readTree(health.body()).has("health")).isTrue();
            HttpResponse<String> keys = https.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/v1/keys?prefix=/"))
                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(keys.statusCode()).as("keys and values are never served without a token").isEqualTo(403);
            assertThat(keys.body()).contains("--api-token-file");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz")).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString())).as("plain HTTP is not served").isInstanceOf(java.io.IOException.class);
        } finally {
            assertThat(AgentProcess.stop(server)).as("exited on SIGTERM").isTrue();
        }
        assertThat(server.exitValue()).as(Files.readString(log)).isZero();
    }
}
