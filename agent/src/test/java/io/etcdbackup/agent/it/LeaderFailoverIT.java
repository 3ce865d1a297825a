package io.etcdbackup.agent.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.etcd.jetcd.Client;
import io.etcdbackup.etcdprocess.EtcdProcess;
import io.etcdbackup.snapshot.testing.EtcdClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

import static io.etcdbackup.stores.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Three etcd members with an agent beside each, under a steady write load: only the leader's
 * agent writes, followers forward snapshot requests to it, and when the leader's etcd stops a new
 * leader's agent takes over the chain; a restore afterwards equals the source (the restore fails
 * on any gap in the chain).
 */
class LeaderFailoverIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    final EtcdClusterExtension etcd = EtcdClusterExtension.members(3);

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** One agent beside one member. */
    private record Agent(int member, String url, Process process, Path log) {
    }

    private Agent startAgent(int member, String store, int port) throws IOException {
        String url = "http://127.0.0.1:" + port;
        Path log = dir.resolve("agent-" + member + ".log");
        ProcessBuilder builder = AgentProcess.builder(List.of("-Xmx256m"), "server",
                "--endpoints", etcd.member(member).clientUrl().toString(), "--store", store,
                "--delta-period", "300ms", "--full-schedule", "", "--gc-period", "0s",
                "--leader-check-period", "500ms", "--server-port", Integer.toString(port), "--advertise-url", url);
        builder.redirectErrorStream(true).redirectOutput(log.toFile());
        return new Agent(member, url, builder.start(), log);
    }

    private HttpResponse<String> send(Agent agent, String method, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(agent.url() + path)).timeout(Duration.ofSeconds(120)) // a forwarded delta may wait 70 s
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * As the reference's controller does: 503 means "leadership is changing or capture is
     * (re)starting, retry" (e.g. while the leader's agent has not yet confirmed its member's
     * leadership, or restarts capture after etcd compacted past its watch).
     */
    private HttpResponse<String> sendRetryingWhileUnavailable(Agent agent, String method, String path) throws Exception {
        return await("an answer other than 503 to " + method + " " + path, Duration.ofSeconds(60), () -> send(agent, method, path),
                response -> response.statusCode() != 503);
    }

    private JsonNode status(Agent agent) {
        try {
            HttpResponse<String> response = send(agent, "GET", "/v1/status");
            return response.statusCode() == 200 ? JSON.readTree(response.body()) : JSON.createObjectNode();
        } catch (Exception notUpYet) {
            return JSON.createObjectNode();
        }
    }

    private JsonNode awaitStatus(Agent agent, String what, Predicate<JsonNode> condition) throws Exception {
        return await("agent " + agent.member() + ": " + what, Duration.ofSeconds(90), () -> {
            JsonNode status = status(agent);
            if (!condition.test(status)) {
                assertThat(agent.process().isAlive()).as("agent %d running: %s", agent.member(), tail(agent)).isTrue();
            }
            return status;
        }, condition);
    }

    private static String tail(Agent agent) {
        try {
            List<String> lines = Files.readAllLines(agent.log());
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    /** The last of {@code agents} whose status says it leads and captures, if any. */
    private Optional<Agent> capturingLeader(List<Agent> agents) {
        Agent leader = null;
        for (Agent agent : agents) {
            if (leadsAndCaptures(status(agent))) {
                leader = agent;
            }
        }
        return Optional.ofNullable(leader);
    }

    private static boolean leadsAndCaptures(JsonNode status) {
        return status.path("role").asText().equals("LEADER") && status.path("capturing").asBoolean();
    }

    @Test
    void aNewLeadersAgentContinuesTheChainWhenTheLeadersEtcdStops() throws Exception {
        Path storeDir = dir.resolve("store");
        String store = "file://" + storeDir;
        Client source = etcd.client();
        new Workload(source, 7).run(50);

        List<Agent> agents = new ArrayList<>();
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicLong writes = new AtomicLong();
        Thread load = new Thread(() -> {
            Workload workload = new Workload(source, 8);
            long compactable = 0;
            while (writing.get()) {
                try {
                    // As kube-apiserver does: compact periodically, at a revision seen one period
                    // earlier (compacting at head every few writes would break any watch that is
                    // not yet in sync, and make every agent start a new generation again and again).
                    workload.run(10, false);
                    if (writes.addAndGet(10) % 200 == 0) {
                        if (compactable > 0) {
                            source.getKVClient().compact(compactable).get();
                        }
                        compactable = source.getKVClient().get(Workload.bytes("/")).get().getHeader().getRevision();
                    }
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                } catch (Exception duringElection) {
                    // a write may fail while the cluster elects a new leader; the load goes on
                }
            }
        }, "steady-load");
        try {
            int[] ports = EtcdProcess.freePorts(3); // all at once: the agents bind theirs only seconds later
            for (int member = 0; member < 3; member++) {
                agents.add(startAgent(member, store, ports[member]));
            }
            load.start();

            // Exactly one agent writes: the leader's. The others are healthy followers.
            Agent leader = await("a leader's agent captures", Duration.ofSeconds(90), () -> capturingLeader(agents), Optional::isPresent).get();
            List<Agent> followers = new ArrayList<>(agents);
            followers.remove(leader);
            long firstEpoch = status(leader).path("catalogEpoch").asLong();
            for (Agent follower : followers) {
                JsonNode status = awaitStatus(follower, "a follower", s -> s.path("role").asText().equals("FOLLOWER"));
                assertThat(status.path("capturing").asBoolean()).isFalse();
                assertThat(status.path("clusterSize").asInt()).isEqualTo(3);
                HttpResponse<String> health = send(follower, "GET", "/healthz");
                assertThat(health.statusCode()).as(health.body()).isEqualTo(200);
            }

            // A follower forwards snapshot requests to the leader's agent and relays its answer.
            Agent follower = followers.get(0);
            HttpResponse<String> delta = sendRetryingWhileUnavailable(follower, "POST", "/snapshot/delta");
            assertThat(delta.statusCode()).as("%s; leader's log:%n%s", delta.body(), tail(leader)).isIn(200, 204);
            assertThat(delta.headers().firstValue("X-Etcd-Backup-Served-By")).contains(leader.url());
            HttpResponse<String> full = sendRetryingWhileUnavailable(follower, "POST", "/v1/snapshots/full");
            assertThat(full.statusCode()).as("%s; leader's log:%n%s", full.body(), tail(leader)).isEqualTo(200);
            assertThat(full.headers().firstValue("X-Etcd-Backup-Served-By")).contains(leader.url());
            assertThat(JSON.readTree(full.body()).path("revision").asLong()).isPositive();
            // A request that was already forwarded once is not forwarded again.
            HttpResponse<String> loop = http.send(HttpRequest.newBuilder(URI.create(follower.url() + "/snapshot/full"))
                    .header("X-Etcd-Backup-Forwarded-By", "test").POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(loop.statusCode()).as(loop.body()).isEqualTo(503);

            // Stop the leader's etcd under load.
            long writesBefore = writes.get();
            etcd.member(leader.member()).stop();
            Agent formerLeader = leader;
            awaitStatus(formerLeader, "the former leader's agent reports its etcd unavailable",
                    s -> s.path("role").asText().equals("UNAVAILABLE"));
            assertThat(send(formerLeader, "GET", "/healthz").statusCode()).isEqualTo(503);

            Agent newLeader = await("a new leader's agent takes over", Duration.ofSeconds(90), () -> capturingLeader(followers), Optional::isPresent)
                    .get();
            assertThat(status(newLeader).path("catalogEpoch").asLong()).as("took over with a higher fencing epoch")
                    .isGreaterThan(firstEpoch);
            long resumed = writes.get();
            long resumedTarget = Math.max(resumed, writesBefore) + 200;
            await("the load resumes after the election", Duration.ofSeconds(90), () -> {
                long n = writes.get();
                if (n < resumedTarget) {
                    assertThat(load.isAlive()).as("the load runs").isTrue();
                }
                return n;
            }, n -> n >= resumedTarget);
            writing.set(false);
            load.join(30_000);
            Workload.awaitShortLeasesRevoked(source); // their deletions are revisions too
            long finalRevision = Keyspace.read(source, 0).revision();

            Agent remainingFollower = followers.get(0) == newLeader ? followers.get(1) : followers.get(0);
            HttpResponse<String> last = sendRetryingWhileUnavailable(remainingFollower, "POST", "/snapshot/delta");
            assertThat(last.statusCode()).as("%s; new leader's log:%n%s", last.body(), tail(newLeader)).isEqualTo(200);
            assertThat(last.headers().firstValue("X-Etcd-Backup-Served-By")).contains(newLeader.url());
            assertThat(JSON.readTree(last.body()).path("lastRevision").asLong()).isGreaterThanOrEqualTo(finalRevision);
        } finally {
            writing.set(false);
            load.join(30_000);
            for (Agent agent : agents) {
                agent.process().destroy();
            }
            List<Agent> notStopped = new ArrayList<>();
            for (Agent agent : agents) {
                if (!AgentProcess.stop(agent.process()) || agent.process().exitValue() != 0) {
                    notStopped.add(agent);
                }
            }
            assertThat(notStopped).as("agents that did not exit 0 on SIGTERM: %s",
                    notStopped.stream().map(LeaderFailoverIT::tail).toList()).isEmpty();
        }

        long captured = BackupAndRestoreIT.lastRevision(storeDir);
        Keyspace expected = Keyspace.read(source, captured);
        try (RestoredEtcd restored = new RestoredEtcd()) {
            Path dataDir = dir.resolve("restored.etcd");
            List<String> args = new ArrayList<>(List.of("restore", "--store", store, "--data-dir", dataDir.toString()));
            args.addAll(restored.restoreFlags());
            AgentProcess.Result result = AgentProcess.run(etcd.binaries().etcd().getParent(), args.toArray(String[]::new));
            assertThat(result.exitCode()).as(result.stderr()).isZero();
            assertThat(result.stdout()).contains("revision=" + captured);
            Keyspace actual = Keyspace.read(restored.start(etcd.binaries(), dataDir), 0);
            assertThat(actual.revision()).isEqualTo(captured);
            assertThat(actual.keys()).isEqualTo(expected.keys());
        }
    }
}
