package io.etcdbackup.agent.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.cluster.Member;
import io.etcd.jetcd.options.GetOption;
import io.etcdbackup.etcdprocess.EtcdBinaries;
import io.etcdbackup.etcdprocess.testing.TestEtcdBinaries;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static io.etcdbackup.stores.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The member reconciler on real etcd clusters of 3 and 5 members, each member a "pod" of
 * processes ({@link LifecyclePod}): the init step decides and acts through the real CLI, etcd
 * starts with what it printed, and the agent beside it reconciles while it runs. One test per
 * case of the README's lifecycle table.
 */
class MemberLifecycleIT {

    private static final String TOKEN = "lifecycle-it";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration CONVERGE = Duration.ofSeconds(90);

    @TempDir(cleanup = CleanupMode.ON_SUCCESS) // a failure leaves every pod's logs
    Path dir;

    private final EtcdBinaries binaries = TestEtcdBinaries.get();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final List<LifecyclePod> pods = new ArrayList<>();
    private final Map<String, String> written = new HashMap<>();
    private String store;

    @BeforeEach
    void createPods() throws IOException {
        store = "file://" + Files.createDirectories(dir.resolve("store"));
        for (int i = 0; i < 5; i++) {
            pods.add(new LifecyclePod(i, dir, binaries));
        }
    }

    @AfterEach
    void stopPods() throws InterruptedException {
        for (LifecyclePod pod : pods) {
            pod.close();
        }
    }

    private String configured(int size) {
        return IntStream.range(0, size).mapToObj(i -> pods.get(i).name + "=" + pods.get(i).peerUrl()).collect(Collectors.joining(","));
    }

    private String serviceEndpoints(int size) {
        return IntStream.range(0, size).mapToObj(i -> pods.get(i).clientUrl().toString()).collect(Collectors.joining(","));
    }

    /** The init step of {@code pod} in a cluster of {@code size}, then etcd, then (with its exit 0) the agent. */
    private LifecyclePod.Init startPod(LifecyclePod pod, int size, int clusterSize) throws Exception {
        LifecyclePod.Init init = pod.initialize(store, configured(size), TOKEN, serviceEndpoints(size));
        assertThat(init.result().exitCode()).as("%s initialize: %s%s", pod.name, init.result().stdout(), init.result().stderr()).isZero();
        pod.startEtcd(init, TOKEN);
        pod.startAgent(store, serviceEndpoints(size), clusterSize);
        return init;
    }

    /** Starts pods {@code from..to-1} at once, as a StatefulSet with parallel pod management does. */
    private List<LifecyclePod.Init> startPods(int from, int to, int size, int clusterSize) {
        List<CompletableFuture<LifecyclePod.Init>> starts = new ArrayList<>();
        for (int i = from; i < to; i++) {
            LifecyclePod pod = pods.get(i);
            starts.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return startPod(pod, size, clusterSize);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        return starts.stream().map(CompletableFuture::join).toList();
    }

    private Client client(int size) {
        return Client.builder().endpoints(IntStream.range(0, size).mapToObj(i -> pods.get(i).clientUrl().toString())
                .toArray(String[]::new)).build();
    }

    /** The member list: voters' names, learners as {@code name (learner)}, unstarted members as {@code (unstarted)}. */
    private Set<String> members(int size) {
        return memberList(size).stream().map(m -> m.getName().isEmpty() ? "(unstarted)" : m.getName() + (m.isLearner() ? " (learner)" : ""))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /** The member list from the first pod that gives one (a learner gives none); empty when none does. */
    private List<Member> memberList(int size) {
        for (int i = 0; i < size; i++) {
            try (Client client = Client.builder().endpoints(pods.get(i).clientUrl().toString()).build()) {
                return client.getClusterClient().listMember().get(3, TimeUnit.SECONDS).getMembers();
            } catch (Exception notAnswering) {
                // the next pod
            }
        }
        return List.of();
    }

    private void awaitVoters(int size, int... ordinals) throws Exception {
        Set<String> expected = IntStream.of(ordinals).mapToObj(i -> pods.get(i).name).collect(Collectors.toCollection(TreeSet::new));
        await("the member list to be exactly the voters " + expected, CONVERGE, () -> members(size), expected::equals);
    }

    /**
     * Puts {@code n} keys under {@code prefix} through the cluster and remembers them as
     * acknowledged; a put that fails (an election under way, a member just stopped) is tried again.
     */
    private long write(int size, String prefix, int n) throws Exception {
        long revision = 0;
        try (Client client = client(size)) {
            for (int i = 0; i < n; i++) {
                String key = prefix + "/" + i;
                String value = prefix + "-value-" + i;
                revision = await("put " + key + " acknowledged", CONVERGE, () -> {
                    try {
                        return client.getKVClient().put(bytes(key), bytes(value)).get(10, TimeUnit.SECONDS).getHeader().getRevision();
                    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException notNow) {
                        return 0L;
                    }
                }, r -> r > 0);
                written.put(key, value);
            }
        }
        return revision;
    }

    /** Waits until a leader's agent has published {@code revision} to the store. */
    private void awaitBackedUp(long revision) throws Exception {
        await("a leader's agent to have published revision " + revision, CONVERGE,
                () -> pods.stream().limit(3).mapToLong(p -> status(p).path("lastPublishedRevision").asLong()).max().orElse(0),
                published -> published >= revision);
    }

    /** Every acknowledged write, read from {@code pod}'s own member (serializable: what that member holds). */
    private void assertHoldsEveryWrite(LifecyclePod pod) throws Exception {
        try (Client client = Client.builder().endpoints(pod.clientUrl().toString()).build()) {
            Map<String, String> held = await(pod.name + " to hold every acknowledged write", CONVERGE, () -> {
                List<KeyValue> kvs = client.getKVClient().get(bytes("/"), GetOption.builder().isPrefix(true).withSerializable(true).build())
                        .get(5, TimeUnit.SECONDS).getKvs();
                return kvs.stream().collect(Collectors.toMap(kv -> kv.getKey().toString(StandardCharsets.UTF_8),
                        kv -> kv.getValue().toString(StandardCharsets.UTF_8)));
            }, now -> now.entrySet().containsAll(written.entrySet()));
            assertThat(held).containsAllEntriesOf(written);
        }
    }

    private static ByteSequence bytes(String text) {
        return ByteSequence.from(text, StandardCharsets.UTF_8);
    }

    private JsonNode status(LifecyclePod pod) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(pod.agentUrl() + "/v1/status"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? JSON.readTree(response.body()) : JSON.createObjectNode();
        } catch (Exception notUp) {
            return JSON.createObjectNode();
        }
    }

    private String metrics(LifecyclePod pod) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(pod.agentUrl() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString())
                .body();
    }

    @Test
    void aNewClusterBootstrapsThenGrowsToFiveOneLearnerAtATimeAndShrinksBackToThree() throws Exception {
        List<LifecyclePod.Init> first = startPods(0, 3, 3, 3);
        assertThat(first).allSatisfy(init -> {
            assertThat(init.decision()).isEqualTo("FRESH");
            assertThat(init.clusterState()).isEqualTo("new");
            assertThat(init.initialCluster()).isEqualTo(configured(3));
        });
        awaitVoters(3, 0, 1, 2);
        write(3, "/before-growth", 50);

        // Two new members at once: etcd allows one learner at a time, so one waits for the other's promotion.
        List<LifecyclePod.Init> grown = startPods(3, 5, 5, 3);
        assertThat(grown).allSatisfy(init -> {
            assertThat(init.decision()).isEqualTo("JOIN");
            assertThat(init.clusterState()).isEqualTo("existing");
        });
        // Whichever joined second starts with a list that names the first (by then a voter) and itself.
        assertThat(grown).anySatisfy(init -> assertThat(init.initialCluster()).contains(pods.get(3).name + "=" + pods.get(3).peerUrl(),
                pods.get(4).name + "=" + pods.get(4).peerUrl()));
        awaitVoters(5, 0, 1, 2, 3, 4);
        write(5, "/after-growth", 50);
        assertHoldsEveryWrite(pods.get(4));

        // Pods 3 and 4 go away; the leader's agent (desired size 3) removes them, one at a time, keeping quorum.
        pods.get(4).close();
        pods.get(3).close();
        awaitVoters(3, 0, 1, 2);
        write(3, "/after-shrink", 20);
        for (int i = 0; i < 3; i++) {
            assertHoldsEveryWrite(pods.get(i));
        }
    }

    @Test
    void aMemberWhoseDataIsDamagedRejoinsFromItsPeersAsALearnerAndItsOldDataIsKeptUntilItVotes() throws Exception {
        startPods(0, 3, 3, 3);
        awaitVoters(3, 0, 1, 2);
        write(3, "/before-damage", 100);
        LifecyclePod damaged = pods.get(1);
        damaged.killEtcd();
        try (var db = new java.io.RandomAccessFile(damaged.dataDir.resolve("member/snap/db").toFile(), "rw")) {
            db.setLength(4096);
        }
        write(3, "/while-down", 20);

        LifecyclePod.Init init = damaged.initialize(store, configured(3), TOKEN, serviceEndpoints(3));
        assertThat(init.result().exitCode()).as(init.result().stdout() + init.result().stderr()).isZero();
        assertThat(init.decision()).isEqualTo("REJOIN");
        assertThat(init.clusterState()).isEqualTo("existing");
        assertThat(damaged.asideData()).as("the damaged data is kept aside").isDirectory();
        assertThat(damaged.dataDir.resolve("member")).doesNotExist();

        damaged.startEtcd(init, TOKEN);
        awaitVoters(3, 0, 1, 2);
        assertHoldsEveryWrite(damaged);
        await("the aside data to be deleted once the member votes", CONVERGE, () -> Files.exists(damaged.asideData()), exists -> !exists);
    }

    @Test
    void whenEveryMemberLostItsDataAllRestoreTheSameRevisionAndFormOneCluster() throws Exception {
        startPods(0, 3, 3, 3);
        awaitVoters(3, 0, 1, 2);
        long revision = write(3, "/backed-up", 200);
        awaitBackedUp(revision);
        for (int i = 0; i < 3; i++) {
            pods.get(i).close();
            pods.get(i).wipe();
        }

        List<LifecyclePod.Init> restored = startPods(0, 3, 3, 3);
        assertThat(restored).allSatisfy(init -> {
            assertThat(init.decision()).isEqualTo("RESTORE");
            assertThat(init.clusterState()).isEqualTo("new");
        });
        assertThat(restored.stream().map(init -> init.result().stdout().replaceAll("(?s).*revision=(\\d+).*", "$1")).distinct())
                .as("every member restored the same revision").containsExactly(Long.toString(revision));
        awaitVoters(3, 0, 1, 2);
        for (int i = 0; i < 3; i++) {
            assertHoldsEveryWrite(pods.get(i));
        }
        try (Client client = client(3)) {
            Set<Long> clusterIds = new TreeSet<>();
            for (int i = 0; i < 3; i++) {
                clusterIds.add(client.getMaintenanceClient().statusMember(pods.get(i).clientUrl().toString()).get(5, TimeUnit.SECONDS)
                        .getHeader().getClusterId());
            }
            assertThat(clusterIds).as("one cluster, not one per member").hasSize(1);
        }
    }

    /**
     * A restored member that is alone serves no client (etcd serves clients only once it has
     * published itself through a leader), so members whose pods start late still see no member
     * answer, and restore the same revision: one cluster, not one waiting forever for quorum.
     */
    @Test
    void membersThatStartLateInAWholeClusterRestoreRestoreTheSameRevisionAsTheFirst() throws Exception {
        startPods(0, 3, 3, 3);
        awaitVoters(3, 0, 1, 2);
        long revision = write(3, "/backed-up", 100);
        awaitBackedUp(revision);
        for (int i = 0; i < 3; i++) {
            pods.get(i).close();
            pods.get(i).wipe();
        }

        LifecyclePod.Init first = startPods(0, 1, 3, 3).get(0);
        assertThat(first.decision()).isEqualTo("RESTORE");
        await("member-0's etcd to run on its restored data", CONVERGE, () -> pods.get(0).etcdLog(),
                log -> log.contains("starting initial election tick advance") || log.contains("became follower"));

        List<LifecyclePod.Init> late = startPods(1, 3, 3, 3);
        assertThat(late).allSatisfy(init -> {
            assertThat(init.decision()).as(init.result().stderr()).isEqualTo("RESTORE");
            assertThat(init.clusterState()).isEqualTo("new");
            assertThat(init.result().stdout()).contains("revision=" + revision);
        });
        awaitVoters(3, 0, 1, 2);
        for (int i = 0; i < 3; i++) {
            assertHoldsEveryWrite(pods.get(i));
        }
    }

    @Test
    void quorumLossIsReportedWithTheSurvivorsAndNoMemberStartsANewCluster() throws Exception {
        startPods(0, 3, 3, 3);
        awaitVoters(3, 0, 1, 2);
        awaitBackedUp(write(3, "/before-loss", 20));
        pods.get(1).killEtcd();
        pods.get(2).killEtcd();

        JsonNode member = await("agent 0 to report quorum lost", CONVERGE, () -> status(pods.get(0)).path("member"),
                m -> m.path("quorum").asText().equals("LOST"));
        assertThat(member.path("survivors").toString()).contains(pods.get(0).name);
        assertThat(member.path("voters").asInt()).isEqualTo(3);
        assertThat(member.path("runbook").asText()).contains("Do not start a new cluster from a survivor", "revision");
        assertThat(metrics(pods.get(0))).contains("etcdbackup_cluster_quorum_lost 1.0");

        pods.get(2).wipe();
        LifecyclePod.Init refused = pods.get(2).initialize(store, configured(3), TOKEN, serviceEndpoints(3), "--wait-timeout", "3s");
        assertThat(refused.result().exitCode()).as(refused.result().stdout() + refused.result().stderr()).isEqualTo(3);
        assertThat(refused.result().stderr()).contains("no quorum");
        assertThat(pods.get(2).dataDir.resolve("member")).doesNotExist();

        pods.get(1).startEtcd(new LifecyclePod.Init(null, "KEEP", "existing", configured(3)), TOKEN);
        await("agent 0 to report quorum held again", CONVERGE, () -> status(pods.get(0)).path("member").path("quorum").asText(),
                "HELD"::equals);
    }

    @Test
    void aChangedPeerUrlIsUpdatedInTheMemberList() throws Exception {
        startPods(0, 3, 3, 3);
        awaitVoters(3, 0, 1, 2);
        LifecyclePod moved = pods.get(2);
        moved.stopAgent();
        String newPeerUrl = "http://localhost:" + moved.peerPort;
        moved.startAgent(store, serviceEndpoints(3), 3, newPeerUrl);
        await("member-2's peer URL to be " + newPeerUrl, CONVERGE, () -> memberList(3).stream()
                .filter(m -> m.getName().equals(moved.name)).map(m -> m.getPeerURIs().toString()).findFirst().orElse(""),
                urls -> urls.equals("[" + newPeerUrl + "]"));
        write(3, "/after-update", 10);
        assertHoldsEveryWrite(moved);
    }

    @Test
    void underEtcdDruidsWrapperAMemberThatLostItsDataRejoinsThroughInitializationStartAndConfig() throws Exception {
        startPods(0, 3, 3, 3);
        awaitVoters(3, 0, 1, 2);
        write(3, "/before-loss", 50);
        LifecyclePod lost = pods.get(2);
        lost.stopAgent();
        lost.killEtcd();
        lost.wipe();
        // druid's config map: one file for every member, peer URLs per member name.
        StringBuilder peers = new StringBuilder();
        for (int i = 0; i < 3; i++) {
            peers.append("  ").append(pods.get(i).name).append(": ").append(pods.get(i).peerUrl()).append("\n");
        }
        Path template = Files.writeString(dir.resolve("etcd.conf.yaml"), "name: replaced\ndata-dir: " + lost.dataDir + "\n"
                + "initial-advertise-peer-urls:\n" + peers + "initial-cluster: " + configured(3) + "\n"
                + "initial-cluster-token: " + TOKEN + "\ninitial-cluster-state: new\n");
        lost.startAgentAsUnderDruid(store, serviceEndpoints(3), 3, template);

        // What etcd-wrapper does: start the initialization, poll its status, fetch the config.
        await("the agent to accept /initialization/start", CONVERGE, () -> post(lost, "/initialization/start?mode=full"), code -> code == 200);
        String state = await("the initialization to finish", CONVERGE, () -> get(lost, "/initialization/status"),
                s -> s.equals("Successful") || s.equals("Failed"));
        assertThat(state).as(lost.agentLog()).isEqualTo("Successful");
        JsonNode config = new com.fasterxml.jackson.databind.ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory())
                .readTree(get(lost, "/config"));
        assertThat(config.path("name").asText()).isEqualTo(lost.name);
        assertThat(config.path("initial-cluster-state").asText()).isEqualTo("existing");
        assertThat(config.path("initial-cluster").asText()).isEqualTo(configured(3));

        lost.startEtcd(new LifecyclePod.Init(null, "REJOIN", "existing", config.path("initial-cluster").asText()), TOKEN);
        awaitVoters(3, 0, 1, 2);
        assertHoldsEveryWrite(lost);
    }

    private int post(LifecyclePod pod, String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(pod.agentUrl() + path)).POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode();
        } catch (Exception notUp) {
            return 0;
        }
    }

    private String get(LifecyclePod pod, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(pod.agentUrl() + path)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }
}
