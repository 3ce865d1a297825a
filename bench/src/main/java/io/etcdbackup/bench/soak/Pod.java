package io.etcdbackup.bench.soak;

import io.etcdbackup.etcdprocess.DirectoryTrees;
import io.etcdbackup.etcdprocess.EtcdProcess;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One member as a pod: its init step, its etcd, its agent ({@code server}) and its volume (the
 * data dir and the logs). Each process can crash and restart on its own, as a container does; the
 * logs are appended across restarts.
 */
final class Pod implements AutoCloseable {

    /** etcd's own timing, as the multi-member test clusters keep it. */
    private static final List<String> ETCD_FLAGS = List.of("--heartbeat-interval=100", "--election-timeout=1000");
    private static final List<String> AGENT_JVM = List.of("-Xmx256m");
    private static final Duration AGENT_GRACE = Duration.ofSeconds(30);

    private final Deployment deployment;
    private final InitContainer init;
    private final int ordinal;
    private final PodAddress address;
    private final Path volume;
    private EtcdProcess.Spec etcdSpec;
    private EtcdProcess etcd;
    private Process agent;

    Pod(Deployment deployment, InitContainer init, int ordinal) {
        this.deployment = deployment;
        this.init = init;
        this.ordinal = ordinal;
        this.address = deployment.address(ordinal);
        this.volume = deployment.volume(ordinal);
    }

    PodAddress address() {
        return address;
    }

    String name() {
        return address.name();
    }

    Path dataDir() {
        return volume.resolve("data");
    }

    private Path log(String container) {
        return volume.resolve(container + ".log");
    }

    /** The init step alone: {@code initialize}, and the etcd it decided on (not started yet). */
    void initialize(int clusterSize) throws Exception {
        InitContainer.EtcdStart start = init.run(ordinal, dataDir(), clusterSize, log("init"));
        etcdSpec = new EtcdProcess.Spec(deployment.binaries(), name(), dataDir(), address.clientPort(), address.peerPort(),
                start.initialCluster(), start.initialClusterState(), Deployment.TOKEN, ETCD_FLAGS, log("etcd"));
    }

    /** The whole pod: init step, then etcd, then the agent for a cluster of {@code clusterSize}. */
    void start(int clusterSize) throws Exception {
        initialize(clusterSize);
        startEtcd();
        startAgent(clusterSize);
    }

    /** Starts etcd as the init step decided, or as it last ran (a container restart keeps the pod's spec). */
    void startEtcd() throws IOException {
        etcd = EtcdProcess.start(etcdSpec);
    }

    void startAgent(int clusterSize) throws IOException {
        agent = deployment.jar().start(AGENT_JVM, agentArguments(clusterSize), log("agent"));
    }

    private List<String> agentArguments(int clusterSize) {
        List<String> args = new ArrayList<>(List.of("server", "--endpoints", address.clientUrl(), "--store", deployment.store(),
                "--server-port", Integer.toString(address.agentPort()), "--advertise-url", address.agentUrl(),
                "--delta-period", "1s", "--leader-check-period", "500ms",
                "--data-dir", dataDir().toString(), "--name", name(), "--initial-advertise-peer-urls", address.peerUrl(),
                "--initial-cluster-token", Deployment.TOKEN));
        args.addAll(deployment.serverFlags());
        if (deployment.lifecycle() == Lifecycle.RECONCILER) {
            args.addAll(List.of("--service-endpoints", deployment.serviceEndpoints(clusterSize),
                    "--cluster-size", Integer.toString(clusterSize), "--member-removal-grace", "5s"));
        }
        return args;
    }

    /** kill -9 of etcd. */
    void killEtcd() {
        if (etcd != null) {
            etcd.kill();
            etcd = null;
        }
    }

    /** kill -9 of the agent and its children. */
    void killAgent() throws InterruptedException {
        if (agent != null) {
            AgentJar.kill(agent);
            agent = null;
        }
    }

    /** SIGTERM to the agent (it publishes its buffered deltas), then it starts again for a cluster of {@code clusterSize}. */
    void restartAgent(int clusterSize) throws Exception {
        stopAgent();
        startAgent(clusterSize);
    }

    private void stopAgent() throws InterruptedException {
        if (agent != null) {
            AgentJar.stop(agent, AGENT_GRACE);
            agent = null;
        }
    }

    /** The pod is deleted: SIGTERM to the agent, then to etcd, as Kubernetes stops its containers. */
    void stop() throws InterruptedException {
        stopAgent();
        if (etcd != null) {
            etcd.stop();
            etcd = null;
        }
    }

    /** The volume is lost with the pod: both processes die, the data dir is deleted. */
    void loseVolume() throws Exception {
        killAgent();
        killEtcd();
        DirectoryTrees.delete(dataDir());
    }

    /** Deletes the pod's data dir (a scaled-in member's volume is deleted with it). */
    void deleteVolume() throws IOException {
        DirectoryTrees.delete(dataDir());
    }

    boolean agentRunning() {
        return agent != null && agent.isAlive();
    }

    boolean etcdRunning() {
        return etcd != null && etcd.isAlive();
    }

    /** The ends of this pod's logs. */
    String logs() {
        return Logs.section(name() + " init", log("init"), 10) + Logs.section(name() + " etcd", log("etcd"), 25)
                + Logs.section(name() + " agent", log("agent"), 40);
    }

    @Override
    public void close() throws InterruptedException {
        killAgent();
        killEtcd();
    }
}
