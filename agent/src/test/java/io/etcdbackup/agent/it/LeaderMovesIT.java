package io.etcdbackup.agent.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.cluster.Member;
import io.etcdbackup.agent.it.MemberAgents.Agent;
import io.etcdbackup.snapshot.testing.EtcdClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

import static io.etcdbackup.stores.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Forced leader moves (etcd's MoveLeader, what {@code etcdctl move-leader} sends) in a
 * three-member cluster under a steady write load, an agent beside each member. After each move
 * the new leader's agent takes over the chain with a higher fencing epoch (one writer at a time);
 * at the end the chain has no gap and restores exactly. Prints the figures: moves, and how long
 * until the new leader's agent captured (median, worst).
 */
class LeaderMovesIT {

    private static final int MOVES = 20;
    /**
     * Writes per second of an extra paced load of 1 KiB puts ({@code -Deba.moves.rate=2000}); puts
     * failed by a move are counted, not retried. 0 (default): the steady load only.
     */
    private static final int RATE = Integer.getInteger("eba.moves.rate", 0);

    @RegisterExtension
    final EtcdClusterExtension etcd = EtcdClusterExtension.members(3);

    @TempDir
    Path dir;

    @Test
    void twentyLeaderMovesUnderLoadLoseNoRevisionAndKeepOneWriterAtATime() throws Exception {
        Path storeDir = dir.resolve("store");
        String store = "file://" + storeDir;
        Client source = etcd.client();
        new Workload(source, 11).run(50);
        List<Long> memberIds = memberIds(source);

        MemberAgents all = MemberAgents.start(etcd, 3, store, dir);
        List<Agent> agents = all.agents();
        List<Long> takeoverMillis = new ArrayList<>();
        long firstEpoch;
        long epoch;
        double achievedRate = 0;
        long failedPuts = 0;
        try (SteadyLoad load = new SteadyLoad(source, 12);
             PacedLoad paced = RATE > 0 ? PacedLoad.tolerant(source, RATE, 13) : null) {
            Agent leader = await("a leader's agent captures", Duration.ofSeconds(90), () -> all.capturingLeader(agents), Optional::isPresent).get();
            firstEpoch = all.status(leader).path("catalogEpoch").asLong();
            epoch = firstEpoch;
            for (int move = 0; move < MOVES; move++) {
                int to = (leader.member() + 1 + move % 2) % 3;
                long before = System.nanoTime();
                moveLeader(leader.member(), memberIds.get(to));
                long after = epoch;
                Agent next = agents.get(to);
                JsonNode status = all.awaitStatus(next, "member " + to + "'s agent leads and captures after move " + (move + 1),
                        s -> MemberAgents.leadsAndCaptures(s) && s.path("catalogEpoch").asLong() > after);
                takeoverMillis.add((System.nanoTime() - before) / 1_000_000);
                epoch = status.path("catalogEpoch").asLong();
                leader = next;
            }
            load.close();
            if (paced != null) {
                achievedRate = paced.achievedRate();
                paced.stop();
                failedPuts = paced.failed();
                assertThat(achievedRate).as("the paced load's acknowledged rate").isGreaterThanOrEqualTo(0.9 * RATE);
                assertThat(failedPuts).as("puts failed by the moves, of %d acknowledged", paced.acknowledged())
                        .isLessThan(paced.acknowledged() / 20);
            }
            Workload.awaitShortLeasesRevoked(source); // their deletions are revisions too
            long finalRevision = Keyspace.read(source, 0).revision();
            HttpResponse<String> last = all.sendRetryingWhileUnavailable(leader, "POST", "/snapshot/delta");
            assertThat(last.statusCode()).as("%s; leader's log:%n%s", last.body(), MemberAgents.tail(leader)).isEqualTo(200);
            assertThat(MemberAgents.JSON.readTree(last.body()).path("lastRevision").asLong()).isGreaterThanOrEqualTo(finalRevision);
        } finally {
            assertThat(all.stopAll()).as("agents that did not exit 0 on SIGTERM").isEmpty();
        }

        assertThat(epoch).as("each move's new leader took over with a new fencing epoch").isGreaterThanOrEqualTo(firstEpoch + MOVES);
        long captured = BackupAndRestoreIT.lastRevision(storeDir);
        assertThat(CliRoundTrip.restoreLatestAndCompare(etcd, store, dir)).as("the chain restores without a gap").isEqualTo(captured);
        List<Long> sorted = new ArrayList<>(takeoverMillis);
        Collections.sort(sorted);
        System.out.printf("leader moves: %d under load (paced load %.0f writes/s, %d puts failed by a move); until the new leader's "
                        + "agent captured: median %d ms, worst %d ms; fencing epochs %d..%d; restored revision %d exactly%n", MOVES,
                achievedRate, failedPuts, sorted.get(sorted.size() / 2), sorted.get(sorted.size() - 1), firstEpoch, epoch, captured);
    }

    /** The members' ids, in the extension's member order (matched by client URL). */
    private List<Long> memberIds(Client client) throws Exception {
        List<Member> members = client.getClusterClient().listMember().get().getMembers();
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            URI url = etcd.member(i).clientUrl();
            ids.add(members.stream().filter(m -> m.getClientURIs().contains(url)).findFirst().orElseThrow().getId());
        }
        return ids;
    }

    /** Asks the leader (member {@code from}) to hand leadership to the member {@code to}; retried while it is not ready. */
    private void moveLeader(int from, long to) throws Exception {
        try (Client leader = Client.builder().endpoints(etcd.member(from).clientUrl()).build()) {
            await("member " + from + " hands leadership over", Duration.ofSeconds(30), () -> {
                try {
                    leader.getMaintenanceClient().moveLeader(to).get();
                    return true;
                } catch (Exception notYet) {
                    return false; // e.g. the transferee is still catching up
                }
            }, moved -> moved);
        }
    }
}
