package io.etcdbackup.agent.it;

import io.etcdbackup.etcdprocess.EtcdBinaries;
import io.etcdbackup.etcdprocess.EtcdProcess;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * One "pod" of a lifecycle test: a data dir, the init step ({@code initialize --service-endpoints}),
 * an etcd started with what the init step printed, and the agent beside it, as separate processes
 * on loopback ports that stay the pod's across restarts (as a StatefulSet's pod keeps its name).
 */
final class LifecyclePod implements AutoCloseable {

    private static final Pattern CLUSTER_STATE = Pattern.compile("initial_cluster_state=(\\S+)");
    private static final Pattern INITIAL_CLUSTER = Pattern.compile("initial_cluster=(\\S+)");
    private static final Pattern DECISION = Pattern.compile("decision=(\\S+)");

    /**
     * What the init step printed and decided.
     *
     * @param result         the process's exit code and output
     * @param decision       the decision printed, or null
     * @param clusterState   {@code new} or {@code existing}, or null
     * @param initialCluster what etcd must start with, or null
     */
    record Init(AgentProcess.Result result, String decision, String clusterState, String initialCluster) {
        static Init of(AgentProcess.Result result) {
            return new Init(result, group(DECISION, result.stdout()), group(CLUSTER_STATE, result.stdout()),
                    group(INITIAL_CLUSTER, result.stdout()));
        }

        private static String group(Pattern pattern, String text) {
            Matcher m = pattern.matcher(text);
            return m.find() ? m.group(1) : null;
        }
    }

    final int ordinal;
    final String name;
    final int clientPort;
    final int peerPort;
    final int agentPort;
    final Path dataDir;
    private final Path logs;
    private final EtcdBinaries binaries;
    private EtcdProcess etcd;
    private Process agent;

    LifecyclePod(int ordinal, Path root, EtcdBinaries binaries) throws IOException {
        this.ordinal = ordinal;
        this.name = "member-" + ordinal;
        int[] ports = EtcdProcess.freePorts(3);
        this.clientPort = ports[0];
        this.peerPort = ports[1];
        this.agentPort = ports[2];
        this.logs = Files.createDirectories(root.resolve(name + "-logs"));
        this.dataDir = root.resolve(name + "-data").resolve("new.etcd");
        Files.createDirectories(dataDir.getParent());
        this.binaries = binaries;
    }

    URI clientUrl() {
        return URI.create("http://127.0.0.1:" + clientPort);
    }

    String peerUrl() {
        return EtcdProcess.peerUrl(peerPort);
    }

    String agentUrl() {
        return "http://127.0.0.1:" + agentPort;
    }

    /** Runs the init step with the cluster's service endpoints and {@code configuredCluster} as --initial-cluster. */
    Init initialize(String store, String configuredCluster, String token, String serviceEndpoints, String... extra)
            throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("initialize", "--store", store, "--data-dir", dataDir.toString(), "--name", name,
                "--initial-cluster", configuredCluster, "--initial-advertise-peer-urls", peerUrl(), "--initial-cluster-token", token,
                "--service-endpoints", serviceEndpoints, "--etcd-bin-dir", binaries.etcd().getParent().toString(),
                "--scratch-dir", logs.resolve("scratch").toString()));
        args.addAll(List.of(extra));
        AgentProcess.Result result = AgentProcess.run(List.of("-Xmx256m"), binaries.etcd().getParent(), args.toArray(String[]::new));
        Files.writeString(logs.resolve("initialize.log"), result.stdout() + result.stderr(), java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND);
        return Init.of(result);
    }

    /** Starts etcd as the init step said; does not wait for it. */
    EtcdProcess startEtcd(Init init, String token) throws IOException {
        etcd = EtcdProcess.start(new EtcdProcess.Spec(binaries, name, dataDir, clientPort, peerPort, init.initialCluster(),
                init.clusterState(), token, List.of(), logs.resolve("etcd.log")));
        return etcd;
    }

    /** Starts the agent beside etcd with the reconciler on. */
    void startAgent(String store, String serviceEndpoints, int clusterSize) throws IOException {
        startAgent(store, serviceEndpoints, clusterSize, peerUrl());
    }

    /** Starts the agent beside etcd with the reconciler on, telling it that the member advertises {@code advertisedPeerUrl}. */
    void startAgent(String store, String serviceEndpoints, int clusterSize, String advertisedPeerUrl) throws IOException {
        startAgent(store, serviceEndpoints, clusterSize, List.of("--name", name, "--initial-advertise-peer-urls", advertisedPeerUrl));
    }

    /**
     * Starts the agent the way etcd-druid does: no {@code --name} nor peer URLs, but {@code POD_NAME}
     * and etcd's configuration template, from which it takes both.
     */
    void startAgentAsUnderDruid(String store, String serviceEndpoints, int clusterSize, Path configTemplate) throws IOException {
        startAgent(store, serviceEndpoints, clusterSize, List.of("--etcd-config-template", configTemplate.toString()));
    }

    private void startAgent(String store, String serviceEndpoints, int clusterSize, List<String> identity) throws IOException {
        List<String> args = new ArrayList<>(List.of("server", "--endpoints", clientUrl().toString(), "--service-endpoints",
                serviceEndpoints, "--cluster-size", Integer.toString(clusterSize), "--member-removal-grace", "2s",
                "--data-dir", dataDir.toString(), "--store", store,
                "--delta-period", "300ms", "--full-schedule", "", "--gc-period", "0s", "--leader-check-period", "500ms",
                "--server-port", Integer.toString(agentPort), "--advertise-url", agentUrl(),
                "--etcd-bin-dir", binaries.etcd().getParent().toString()));
        args.addAll(identity);
        ProcessBuilder builder = AgentProcess.builder(List.of("-Xmx192m"), args.toArray(String[]::new));
        builder.environment().put("POD_NAME", name);
        builder.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(logs.resolve("agent.log").toFile()));
        agent = builder.start();
    }

    void stopAgent() throws InterruptedException {
        if (agent != null) {
            AgentProcess.stop(agent);
            agent = null;
        }
    }

    void killEtcd() {
        if (etcd != null) {
            etcd.kill();
            etcd = null;
        }
    }

    boolean agentRunning() {
        return agent != null && agent.isAlive();
    }

    /** Deletes the data dir (a lost volume). */
    void wipe() throws IOException {
        if (Files.exists(dataDir)) {
            try (Stream<Path> paths = Files.walk(dataDir)) {
                for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(path);
                }
            }
        }
    }

    Path asideData() {
        return dataDir.resolveSibling("new.etcd.rejoin");
    }

    String agentLog() {
        return tail(logs.resolve("agent.log"));
    }

    String etcdLog() {
        return tail(logs.resolve("etcd.log"));
    }

    private static String tail(Path file) {
        try {
            List<String> lines = Files.readAllLines(file);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log " + file + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        stopAgent();
        killEtcd();
    }
}
