package io.etcdbackup.helm.pods;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.etcdbackup.etcdprocess.testing.PodNetwork;
import io.etcdbackup.etcdprocess.testing.TestEtcdBinaries;
import io.etcdbackup.helm.Chart;
import io.etcdbackup.stores.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The pods test: what the chart renders for three replicas, run. Each pod runs in a network
 * namespace of its own with its own address, and a hosts file that resolves every pod's name under
 * the headless Service; its init container, etcd and the sidecar run as processes with the
 * rendered commands, arguments and environment ({@link Kubelet} lists the only changes: image paths
 * and mount points). Containers cannot run on this machine, so the images' programs come from it
 * ({@link HostImages}). The Kubernetes API is fabric8's mock server, holding the rendered
 * StatefulSet (the sidecars read the cluster size from it) and the Leases the sidecars create. The
 * store is the chart's {@code file} provider: a folder on the host that every pod mounts.
 */
class HelmPodsIT {

    private static final int SUBNET = 47;
    private static final int REPLICAS = 3;
    private static final String PREFIX = "/app";
    private static final Duration FORMING = Duration.ofMinutes(3);

    @TempDir
    Path dir;

    private final List<RunningPod> running = new ArrayList<>();

    @AfterEach
    void stopPods() throws Exception {
        for (RunningPod pod : running) {
            pod.stop();
        }
    }

    @Test
    void theRenderedPodsFormAClusterThatBacksUp_rejoinAMemberWhoseVolumeWasDeleted_andRestoreWhenEveryVolumeWasDeleted()
            throws Exception {
        List<JsonNode> objects = Chart.objects(Chart.template(values(), dir.resolve("render")));
        JsonNode statefulSet = Chart.only(objects, "StatefulSet");
        Map<String, JsonNode> mountable = new HashMap<>();
        objects.stream().filter(o -> List.of("ConfigMap", "Secret").contains(o.path("kind").asText()))
                .forEach(o -> mountable.put(o.path("kind").asText() + "/" + o.path("metadata").path("name").asText(), o));
        Path etcdBin = TestEtcdBinaries.get().etcd().getParent();
        Path store = Files.createDirectories(dir.resolve("store"));

        try (PodNetwork network = PodNetwork.create(SUBNET); KubernetesApi api = KubernetesApi.start(network.hostAddress())) {
            List<String> names = new ArrayList<>();
            List<PodNetwork.Pod> addresses = new ArrayList<>();
            for (int i = 0; i < REPLICAS; i++) {
                String name = Chart.FULLNAME + "-" + i;
                names.add(name);
                addresses.add(network.addPod(List.of(name + "." + Chart.FULLNAME + "-peer." + Chart.NAMESPACE + ".svc.cluster.local", name)));
            }
            network.writeHosts();
            api.create(statefulSet, Chart.NAMESPACE);
            Map<String, String> platform = Map.of("KUBECONFIG", api.kubeconfig(dir.resolve("kubeconfig"), Chart.NAMESPACE).toString(),
                    "HOME", Files.createDirectories(dir.resolve("home")).toString());
            Kubelet kubelet = new Kubelet(RenderedPod.of(statefulSet), mountable,
                    new HostImages(Path.of(System.getProperty("java.home"), "bin", "java"), agentJar(), etcdBin),
                    dir, Map.of("etcd-backups", store), platform, Chart.NAMESPACE);
            EtcdCtl etcd = new EtcdCtl(etcdBin.resolve("etcdctl"), String.join(",", addresses.stream()
                    .map(p -> "http://" + p.address() + ":2379").toList()));
            Path storeFolder = store.resolve("prod"); // store.url file:///var/backups/etcd/prod, the claim mounted at /var/backups/etcd

            // 1. Three pods start together: each init step finds no cluster and no backups, and etcd forms a new cluster.
            List<RunningPod> pods = startAll(kubelet, names, addresses);
            for (RunningPod pod : pods) {
                assertThat(pod.awaitInitialized(180).get("initialize")).contains("decision=FRESH", "initial_cluster_state=new",
                        "etcd_config=");
            }
            awaitVoters(etcd, names);
            long written = etcd.put(PREFIX + "/first", 50, "one");
            awaitBackedUp(storeFolder, written);
            List<String> leases = new ArrayList<>(names);
            leases.addAll(List.of(Chart.FULLNAME + "-full-snap", Chart.FULLNAME + "-delta-snap"));
            Await.await("the sidecars created the Leases " + leases, FORMING,
                    () -> attempt(() -> api.names("/apis/coordination.k8s.io/v1", Chart.NAMESPACE, "leases")),
                    found -> found != null && found.containsAll(leases));

            // 2. One pod's volume is deleted: the pod comes back as a learner, is promoted, and holds the cluster's data.
            RunningPod lost = pods.get(1);
            lost.stop();
            running.remove(lost);
            Kubelet.deleteTree(kubelet.claim("data", names.get(1)));
            etcd.put(PREFIX + "/while-one-was-down", 20, "two");
            RunningPod back = start(kubelet, names.get(1), addresses.get(1));
            assertThat(back.awaitInitialized(180).get("initialize")).contains("decision=REJOIN", "initial_cluster_state=existing");
            Await.await(names.get(1) + " promoted from learner to voter", FORMING,
                    () -> back.log("backup-agent").contains("promoted " + names.get(1) + " from learner to voter"));
            awaitVoters(etcd, names);
            EtcdCtl.Keys cluster = etcd.keys(PREFIX);
            EtcdCtl.Keys own = Await.await(names.get(1) + " holds the cluster's keys", FORMING,
                    () -> attempt(() -> etcd.only("http://" + addresses.get(1).address() + ":2379").localKeys(PREFIX)),
                    keys -> keys != null && keys.values().equals(cluster.values()));
            assertThat(own.values()).hasSize(70);

            // 3. Every pod's volume is deleted: the pods restore the last backed-up revision from the store, together.
            long last = etcd.put(PREFIX + "/last", 30, "three");
            EtcdCtl.Keys expected = etcd.keys(PREFIX);
            awaitBackedUp(storeFolder, last);
            List<RunningPod> all = List.copyOf(running);
            for (RunningPod pod : all) {
                pod.stop();
            }
            running.clear();
            long backedUp = latestBackedUpRevision(storeFolder);
            assertThat(backedUp).isEqualTo(last);
            for (String name : names) {
                Kubelet.deleteTree(kubelet.claim("data", name));
            }
            for (RunningPod pod : startAll(kubelet, names, addresses)) {
                assertThat(pod.awaitInitialized(300).get("initialize")).contains("decision=RESTORE", "revision=" + backedUp,
                        "initial_cluster_state=new");
            }
            awaitVoters(etcd, names);
            EtcdCtl.Keys restored = etcd.keys(PREFIX);
            assertThat(restored.values()).isEqualTo(expected.values());
            assertThat(restored.revision()).isEqualTo(backedUp);
        }
    }

    private static Map<String, Object> values() {
        return Map.of("replicas", REPLICAS,
                "store", Map.of("provider", "file", "url", "file:///var/backups/etcd/prod", "file", Map.of("existingClaim", "etcd-backups")),
                "agent", Map.of("deltaPeriod", "1s"));
    }

    private List<RunningPod> startAll(Kubelet kubelet, List<String> names, List<PodNetwork.Pod> addresses) throws Exception {
        List<RunningPod> pods = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            pods.add(start(kubelet, names.get(i), addresses.get(i)));
        }
        return pods;
    }

    private RunningPod start(Kubelet kubelet, String name, PodNetwork.Pod address) throws Exception {
        RunningPod pod = kubelet.start(name, address);
        running.add(pod);
        return pod;
    }

    /** Waits until every pod's member is in the member list, started and voting. */
    private static void awaitVoters(EtcdCtl etcd, List<String> names) throws Exception {
        Await.await("members " + names + " started and voting", FORMING, () -> attempt(etcd::members),
                members -> members != null && members.size() == names.size()
                        && members.stream().allMatch(m -> m.started() && !m.learner() && names.contains(m.name())));
    }

    /** Waits until the store's catalog holds {@code revision}. */
    private static void awaitBackedUp(Path store, long revision) throws Exception {
        Await.await("the store holds revision " + revision, FORMING, () -> latestBackedUpRevision(store) >= revision);
    }

    /** The newest revision the store's catalog holds, as the agent's {@code list} reports it (0 for none). */
    private static long latestBackedUpRevision(Path store) throws Exception {
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                agentJar().toString(), "list", "--store", "file://" + store, "--output", "json").redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            return 0;
        }
        long latest = 0;
        for (JsonNode generation : new ObjectMapper().readTree(output).path("generations")) {
            latest = Math.max(latest, generation.path("lastRevision").asLong());
        }
        return latest;
    }

    private static Path agentJar() {
        return Path.of(System.getProperty("agent.jar", "../agent/target/etcd-backup-agent.jar")).toAbsolutePath();
    }

    /** What {@code call} returns, or null while it fails (the cluster is still forming). */
    private static <T> T attempt(java.util.concurrent.Callable<T> call) {
        try {
            return call.call();
        } catch (Exception notYet) {
            return null;
        }
    }
}
