package io.etcdbackup.agent.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.etcd.jetcd.Client;
import io.etcdbackup.agent.it.MemberAgents.Agent;
import io.etcdbackup.snapshot.testing.EtcdClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static io.etcdbackup.stores.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Three etcd members with an agent beside each, under a steady write load: only the leader's
 * agent writes, followers forward snapshot requests to it, and when the leader's etcd stops a new
 * leader's agent takes over the chain; a restore afterwards equals the source (the restore fails
 * on any gap in the chain).
 */
class LeaderFailoverIT {

    @RegisterExtension
    final EtcdClusterExtension etcd = EtcdClusterExtension.members(3);

    @TempDir
    Path dir;

    @Test
    void aNewLeadersAgentContinuesTheChainWhenTheLeadersEtcdStops() throws Exception {
        Path storeDir = dir.resolve("store");
        String store = "file://" + storeDir;
        Client source = etcd.client();
        new Workload(source, 7).run(50);

        MemberAgents all = MemberAgents.start(etcd, 3, store, dir);
        List<Agent> agents = all.agents();
        try (SteadyLoad load = new SteadyLoad(source, 8)) {
            // Exactly one agent writes: the leader's. The others are healthy followers.
            Agent leader = await("a leader's agent captures", Duration.ofSeconds(90), () -> all.capturingLeader(agents), Optional::isPresent).get();
            List<Agent> followers = new ArrayList<>(agents);
            followers.remove(leader);
            long firstEpoch = all.status(leader).path("catalogEpoch").asLong();
            for (Agent follower : followers) {
                JsonNode status = all.awaitStatus(follower, "a follower", s -> s.path("role").asText().equals("FOLLOWER"));
                assertThat(status.path("capturing").asBoolean()).isFalse();
                assertThat(status.path("clusterSize").asInt()).isEqualTo(3);
                HttpResponse<String> health = all.send(follower, "GET", "/healthz");
                assertThat(health.statusCode()).as(health.body()).isEqualTo(200);
            }

            // A follower forwards snapshot requests to the leader's agent and relays its answer.
            Agent follower = followers.get(0);
            HttpResponse<String> delta = all.sendRetryingWhileUnavailable(follower, "POST", "/snapshot/delta");
            assertThat(delta.statusCode()).as("%s; leader's log:%n%s", delta.body(), MemberAgents.tail(leader)).isIn(200, 204);
            assertThat(delta.headers().firstValue("X-Etcd-Backup-Served-By")).contains(leader.url());
            HttpResponse<String> full = all.sendRetryingWhileUnavailable(follower, "POST", "/v1/snapshots/full");
            assertThat(full.statusCode()).as("%s; leader's log:%n%s", full.body(), MemberAgents.tail(leader)).isEqualTo(200);
            assertThat(full.headers().firstValue("X-Etcd-Backup-Served-By")).contains(leader.url());
            assertThat(MemberAgents.JSON.readTree(full.body()).path("revision").asLong()).isPositive();
            // A request that was already forwarded once is not forwarded again.
            HttpResponse<String> loop = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(follower.url() + "/snapshot/full"))
                    .header("X-Etcd-Backup-Forwarded-By", "test").POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(loop.statusCode()).as(loop.body()).isEqualTo(503);

            // Stop the leader's etcd under load.
            long writesBefore = load.writes();
            etcd.member(leader.member()).stop();
            Agent formerLeader = leader;
            all.awaitStatus(formerLeader, "the former leader's agent reports its etcd unavailable",
                    s -> s.path("role").asText().equals("UNAVAILABLE"));
            assertThat(all.send(formerLeader, "GET", "/healthz").statusCode()).isEqualTo(503);

            Agent newLeader = await("a new leader's agent takes over", Duration.ofSeconds(90), () -> all.capturingLeader(followers),
                    Optional::isPresent).get();
            assertThat(all.status(newLeader).path("catalogEpoch").asLong()).as("took over with a higher fencing epoch")
                    .isGreaterThan(firstEpoch);
            load.awaitWrites(Math.max(load.writes(), writesBefore) + 200);
            load.close();
            Workload.awaitShortLeasesRevoked(source); // their deletions are revisions too
            long finalRevision = Keyspace.read(source, 0).revision();

            Agent remainingFollower = followers.get(0) == newLeader ? followers.get(1) : followers.get(0);
            HttpResponse<String> last = all.sendRetryingWhileUnavailable(remainingFollower, "POST", "/snapshot/delta");
            assertThat(last.statusCode()).as("%s; new leader's log:%n%s", last.body(), MemberAgents.tail(newLeader)).isEqualTo(200);
            assertThat(last.headers().firstValue("X-Etcd-Backup-Served-By")).contains(newLeader.url());
            assertThat(MemberAgents.JSON.readTree(last.body()).path("lastRevision").asLong()).isGreaterThanOrEqualTo(finalRevision);
        } finally {
            assertThat(all.stopAll()).as("agents that did not exit 0 on SIGTERM").isEmpty();
        }

        long captured = BackupAndRestoreIT.lastRevision(storeDir);
        assertThat(CliRoundTrip.restoreLatestAndCompare(etcd, store, dir)).isEqualTo(captured);
    }
}
