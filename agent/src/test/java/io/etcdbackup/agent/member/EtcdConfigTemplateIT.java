package io.etcdbackup.agent.member;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.cluster.Member;
import io.etcdbackup.agent.member.EtcdConfigTemplate.ClusterState;
import io.etcdbackup.agent.member.EtcdConfigTemplate.MemberIdentity;
import io.etcdbackup.etcdprocess.EtcdProcess;
import io.etcdbackup.etcdprocess.testing.TestEtcdBinaries;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.etcdbackup.stores.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/** A rendered config file is one real etcd starts from (types, quoting and state included). */
class EtcdConfigTemplateIT {

    @TempDir
    Path dir;

    @Test
    void etcdStartsFromTheRenderedFileWithTheMembersNameAndUrls() throws Exception {
        int[] ports = EtcdProcess.freePorts(2);
        int client = ports[0];
        int peer = ports[1];
        // A per-member mapping (etcd-druid's form) and placeholders; state 'existing' in the base
        // would make a lone new member fail to start, so 'new' must be what etcd reads.
        String base = """
                name: will-be-replaced
                data-dir: %s/${POD_NAME}.etcd
                listen-peer-urls: http://127.0.0.1:%d
                listen-client-urls: http://127.0.0.1:%d
                initial-advertise-peer-urls: http://127.0.0.1:%d
                advertise-client-urls:
                  etcd-main-0: [ "http://127.0.0.1:%d" ]
                initial-cluster: ${POD_NAME}=http://127.0.0.1:%d
                initial-cluster-token: "12345"
                initial-cluster-state: existing
                snapshot-count: 10000
                heartbeat-interval: 10
                election-timeout: 100
                quota-backend-bytes: 8589934592
                enable-v2: false
                auto-compaction-mode: periodic
                auto-compaction-retention: "30m"
                logger: zap
                log-outputs: [stderr]
                """.formatted(dir, peer, client, peer, client, peer);
        Path config = Files.writeString(dir.resolve("etcd.conf.yaml"),
                EtcdConfigTemplate.parse(base, "base").render(MemberIdentity.of("etcd-main-0"), ClusterState.NEW));

        Process etcd = new ProcessBuilder(TestEtcdBinaries.get().etcd().toString(), "--config-file=" + config)
                .redirectErrorStream(true).redirectOutput(dir.resolve("etcd.log").toFile()).start();
        try {
            awaitHealthy(etcd, URI.create("http://127.0.0.1:" + client + "/health"));
            try (Client jetcd = Client.builder().endpoints("http://127.0.0.1:" + client).build()) {
                List<Member> members = jetcd.getClusterClient().listMember().get(30, TimeUnit.SECONDS).getMembers();
                assertThat(members).hasSize(1);
                assertThat(members.get(0).getName()).isEqualTo("etcd-main-0");
                assertThat(members.get(0).getClientURIs()).containsExactly(URI.create("http://127.0.0.1:" + client));
                assertThat(members.get(0).getPeerURIs()).containsExactly(URI.create("http://127.0.0.1:" + peer));
            }
            assertThat(dir.resolve("etcd-main-0.etcd/member")).isDirectory();
        } finally {
            etcd.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private void awaitHealthy(Process etcd, URI health) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        await("etcd healthy at " + health, Duration.ofSeconds(60), () -> {
            if (!etcd.isAlive()) {
                throw new AssertionError("etcd exited with " + etcd.exitValue() + ":\n" + log());
            }
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(health).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.ofString());
                return response.statusCode() == 200 && response.body().contains("\"health\":\"true\"");
            } catch (IOException notYet) {
                return false; // not listening yet
            }
        });
    }

    private String log() throws IOException {
        return Files.readString(dir.resolve("etcd.log"), StandardCharsets.UTF_8);
    }
}
