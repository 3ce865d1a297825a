package io.etcdbackup.bench.soak;

import io.etcdbackup.stores.testing.Await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A pod's init step: {@code initialize} on the member's data dir, run again while it refuses (exit
 * 3), as a pod's restarts would, and what etcd must then be started with. Exit 1 fails the pod.
 */
final class InitContainer {

    /** What {@code initialize} decided etcd starts with. */
    record EtcdStart(String initialClusterState, String initialCluster) {

        /** The {@code initial_cluster_state=... initial_cluster=...} that {@code initialize} printed, if it did. */
        static Optional<EtcdStart> printedIn(String stdout) {
            Matcher state = STATE.matcher(stdout);
            Matcher cluster = CLUSTER.matcher(stdout);
            if (!state.find() || !cluster.find()) {
                return Optional.empty();
            }
            return Optional.of(new EtcdStart(state.group(1), cluster.group(1) != null ? cluster.group(1) : cluster.group(2)));
        }
    }

    static final int REFUSED = 3;

    private static final Pattern STATE = Pattern.compile("(?<![\\w])initial_cluster_state=\"?(new|existing)\"?");
    private static final Pattern CLUSTER = Pattern.compile("(?<![\\w])initial_cluster=(?:\"([^\"]*)\"|(\\S+))");

    private final Deployment deployment;
    private final Duration refusalsFor;

    /** @param refusalsFor how long a pod keeps restarting while {@code initialize} refuses */
    InitContainer(Deployment deployment, Duration refusalsFor) {
        this.deployment = deployment;
        this.refusalsFor = refusalsFor;
    }

    /** Runs {@code initialize} for pod {@code ordinal} of a cluster of {@code clusterSize} until it does not refuse. */
    EtcdStart run(int ordinal, Path dataDir, int clusterSize, Path log) throws Exception {
        List<String> args = arguments(ordinal, dataDir, clusterSize);
        AgentJar.Result result;
        try {
            result = Await.await(deployment.address(ordinal).name() + "'s initialize not to refuse", refusalsFor, () -> {
                AgentJar.Result r = deployment.jar().run(args, log, Duration.ofMinutes(5));
                Files.writeString(log, "initialize exit=" + r.exitCode() + " stdout: " + r.stdout() + "\n", StandardOpenOption.APPEND);
                return r;
            }, r -> r.exitCode() != REFUSED);
        } catch (Await.TimedOut refusing) {
            throw new SoakFailure("initialize of " + deployment.address(ordinal).name() + " refused for " + refusalsFor, refusing,
                    Logs.section("initialize", log, 40));
        }
        if (result.exitCode() != 0) {
            throw new SoakFailure("initialize of " + deployment.address(ordinal).name() + " failed (exit " + result.exitCode() + "): "
                    + result.stdout(), null, "---- its stderr:\n" + result.stderrExcerpt());
        }
        return decision(result.stdout(), clusterSize);
    }

    /** The contract's arguments; the lifecycle's own flag only where the agent has it. */
    private List<String> arguments(int ordinal, Path dataDir, int clusterSize) {
        PodAddress address = deployment.address(ordinal);
        List<String> args = new ArrayList<>(List.of("initialize", "--store", deployment.store(), "--data-dir", dataDir.toString(),
                "--name", address.name(), "--initial-cluster", deployment.initialCluster(clusterSize),
                "--initial-advertise-peer-urls", address.peerUrl(), "--initial-cluster-token", Deployment.TOKEN,
                "--etcd-bin-dir", deployment.jar().etcdBinDir().toString()));
        if (deployment.lifecycle() == Lifecycle.RECONCILER) {
            args.addAll(List.of("--service-endpoints", deployment.serviceEndpoints(clusterSize)));
        }
        return args;
    }

    /**
     * The state and cluster printed by {@code initialize}. Without the reconciler it prints neither,
     * and every pod starts as one of a new cluster of all members (the only start it supports).
     */
    private EtcdStart decision(String stdout, int clusterSize) {
        Optional<EtcdStart> printed = EtcdStart.printedIn(stdout);
        if (printed.isPresent()) {
            return printed.get();
        }
        if (deployment.lifecycle() == Lifecycle.RECONCILER) {
            throw new SoakFailure("initialize printed no initial_cluster_state=... initial_cluster=... line: " + stdout, null, "");
        }
        return new EtcdStart("new", deployment.initialCluster(clusterSize));
    }
}
