package io.etcdbackup.agent.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.etcdbackup.snapshot.testing.EtcdClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.etcdbackup.stores.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sidecar keeping a second store in sync (S3 on S3Proxy, its credentials under SECONDARY_):
 * caught up, then behind while the second store is down (reported in {@code /v1/status} and
 * the metrics), caught up again once it is back; a restore from the second store alone is exact.
 */
class SecondarySiteIT {

    @RegisterExtension
    final EtcdClusterExtension etcd = EtcdClusterExtension.members(1);

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private JsonNode status(String base) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/status")).timeout(Duration.ofSeconds(10))
                    .build(), HttpResponse.BodyHandlers.ofString());
            return new ObjectMapper().readTree(response.body()).path("secondary");
        } catch (Exception notYet) {
            return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
        }
    }

    @Test
    void theSecondStoreCatchesUpAfterAnOutageAndRestoresExactly() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        S3ProxyServer proxy = S3ProxyServer.start(dir.resolve("s3"), "dr-backups", port);
        String secondary = proxy.storeUrl("dr-backups/etcd");
        Path log = dir.resolve("server.log");
        ProcessBuilder builder = AgentProcess.builder(List.of(), "server", "--server-port", "0", "--endpoints", etcd.endpoints(),
                "--store", "file://" + dir.resolve("primary"), "--delta-period", "200ms", "--secondary-store", secondary,
                "--secondary-sync-period", "1s");
        builder.environment().putAll(Map.of("SECONDARY_AWS_ACCESS_KEY_ID", "access", "SECONDARY_AWS_SECRET_ACCESS_KEY", "secret"));
        Process server = builder.redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long last;
        try {
            String base = "http://127.0.0.1:" + AgentProcess.awaitHttpPort(log, server);
            new Workload(etcd.client(), 71).run(100, false);
            long first = Keyspace.read(etcd.client(), 0).revision();
            await("the second store holds revision " + first, Duration.ofSeconds(60), () -> status(base),
                    s -> s.path("revision").asLong() >= first && s.path("behindRevisions").asLong() == 0);

            proxy.close();
            new Workload(etcd.client(), 72).run(100, false);
            long during = Keyspace.read(etcd.client(), 0).revision();
            JsonNode behind = await("the second store reported behind while it is down", Duration.ofSeconds(60), () -> status(base),
                    s -> s.path("behindRevisions").asLong() > 0 && s.path("behindSeconds").asLong() >= 1 && !s.path("lastError").isNull());
            assertThat(behind.path("store").asText()).startsWith("s3://dr-backups/etcd");
            HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(metrics.body()).contains("etcdbackup_secondary_behind_revisions", "etcdbackup_secondary_behind_seconds");

            proxy = S3ProxyServer.start(dir.resolve("s3"), "dr-backups", port);
            await("the second store caught up with revision " + during, Duration.ofSeconds(60), () -> status(base),
                    s -> s.path("revision").asLong() >= during && s.path("behindRevisions").asLong() == 0 && s.path("lastError").isNull());
            last = status(base).path("revision").asLong();
        } finally {
            assertThat(AgentProcess.stop(server)).as("exited on SIGTERM").isTrue();
        }
        try {
            CliRoundTrip.restoreLatestAndCompare(etcd, secondary, List.of(), S3ProxyServer.CREDENTIALS, dir, last);
        } finally {
            proxy.close();
        }
    }
}
