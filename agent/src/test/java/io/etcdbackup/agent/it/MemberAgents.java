package io.etcdbackup.agent.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.etcdbackup.etcdprocess.EtcdProcess;
import io.etcdbackup.snapshot.testing.EtcdClusterExtension;

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
import java.util.function.Predicate;

import static io.etcdbackup.stores.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * An agent ({@code server}) beside each member of a test cluster, all writing to one store, and
 * how tests talk to them: their {@code /v1/status}, requests with the controller's retry on 503,
 * their logs.
 */
final class MemberAgents {

    static final ObjectMapper JSON = new ObjectMapper();

    /** One agent beside one member. */
    record Agent(int member, String url, Process process, Path log) {
    }

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<Agent> agents = new ArrayList<>();

    /** Starts an agent beside every member of {@code etcd}, checking leadership every 500 ms, deltas every 300 ms. */
    static MemberAgents start(EtcdClusterExtension etcd, int members, String store, Path dir) throws IOException {
        MemberAgents all = new MemberAgents();
        int[] ports = EtcdProcess.freePorts(members); // all at once: the agents bind theirs only seconds later
        for (int member = 0; member < members; member++) {
            String url = "http://127.0.0.1:" + ports[member];
            Path log = dir.resolve("agent-" + member + ".log");
            ProcessBuilder builder = AgentProcess.builder(List.of("-Xmx256m"), "server",
                    "--endpoints", etcd.member(member).clientUrl().toString(), "--store", store,
                    "--delta-period", "300ms", "--full-schedule", "", "--gc-period", "0s",
                    "--leader-check-period", "500ms", "--server-port", Integer.toString(ports[member]), "--advertise-url", url);
            builder.redirectErrorStream(true).redirectOutput(log.toFile());
            all.agents.add(new Agent(member, url, builder.start(), log));
        }
        return all;
    }

    List<Agent> agents() {
        return List.copyOf(agents);
    }

    HttpResponse<String> send(Agent agent, String method, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(agent.url() + path)).timeout(Duration.ofSeconds(120)) // a forwarded delta may wait 70 s
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * As the reference's controller does: 503 means "leadership is changing or capture is
     * (re)starting, retry" (e.g. while the leader's agent has not yet confirmed its member's
     * leadership, or restarts capture after etcd compacted past its watch).
     */
    HttpResponse<String> sendRetryingWhileUnavailable(Agent agent, String method, String path) throws Exception {
        return await("an answer other than 503 to " + method + " " + path, Duration.ofSeconds(60), () -> send(agent, method, path),
                response -> response.statusCode() != 503);
    }

    /** The agent's {@code /v1/status}, or an empty object while it does not answer. */
    JsonNode status(Agent agent) {
        try {
            HttpResponse<String> response = send(agent, "GET", "/v1/status");
            return response.statusCode() == 200 ? JSON.readTree(response.body()) : JSON.createObjectNode();
        } catch (Exception notUpYet) {
            return JSON.createObjectNode();
        }
    }

    JsonNode awaitStatus(Agent agent, String what, Predicate<JsonNode> condition) throws Exception {
        return await("agent " + agent.member() + ": " + what, Duration.ofSeconds(90), () -> {
            JsonNode status = status(agent);
            if (!condition.test(status)) {
                assertThat(agent.process().isAlive()).as("agent %d running: %s", agent.member(), tail(agent)).isTrue();
            }
            return status;
        }, condition);
    }

    /** The last 60 lines of the agent's log. */
    static String tail(Agent agent) {
        try {
            List<String> lines = Files.readAllLines(agent.log());
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    /** The last of {@code among} whose status says it leads and captures, if any. */
    Optional<Agent> capturingLeader(List<Agent> among) {
        Agent leader = null;
        for (Agent agent : among) {
            if (leadsAndCaptures(status(agent))) {
                leader = agent;
            }
        }
        return Optional.ofNullable(leader);
    }

    static boolean leadsAndCaptures(JsonNode status) {
        return status.path("role").asText().equals("LEADER") && status.path("capturing").asBoolean();
    }

    /** Stops every agent with SIGTERM; returns the logs of those that did not exit 0. */
    List<String> stopAll() throws InterruptedException {
        for (Agent agent : agents) {
            agent.process().destroy();
        }
        List<String> notStopped = new ArrayList<>();
        for (Agent agent : agents) {
            if (!AgentProcess.stop(agent.process()) || agent.process().exitValue() != 0) {
                notStopped.add(tail(agent));
            }
        }
        return notStopped;
    }
}
