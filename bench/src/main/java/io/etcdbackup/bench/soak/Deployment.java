package io.etcdbackup.bench.soak;

import io.etcdbackup.etcdprocess.EtcdBinaries;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * What every pod is started with, like a StatefulSet's template: the agent's jar and etcd's
 * binaries, the lifecycle, the one store all agents share, the cluster token, the agents' extra
 * flags, and the address of each ordinal. The members of a cluster of {@code size} are ordinals
 * {@code 0..size-1}; a pod deleted on scale-in gives its ports back, and the next one of that
 * ordinal gets new ones.
 */
final class Deployment {

    static final String TOKEN = "chaos-soak";

    private final AgentJar jar;
    private final EtcdBinaries binaries;
    private final Lifecycle lifecycle;
    private final String store;
    private final Path work;
    private final List<String> serverFlags;
    private final Map<Integer, PodAddress> addresses = new TreeMap<>();

    /**
     * @param store          the store URL of every agent
     * @param work           where the pods' volumes and logs go
     * @param serverFlags {@code server} flags beyond the ones every pod gets: schedules, retention, tuning, e.g. {@code --full-schedule ""}
     */
    Deployment(AgentJar jar, EtcdBinaries binaries, Lifecycle lifecycle, String store, Path work, List<String> serverFlags) {
        this.jar = jar;
        this.binaries = binaries;
        this.lifecycle = lifecycle;
        this.store = store;
        this.work = work;
        this.serverFlags = List.copyOf(serverFlags);
    }

    AgentJar jar() {
        return jar;
    }

    EtcdBinaries binaries() {
        return binaries;
    }

    Lifecycle lifecycle() {
        return lifecycle;
    }

    String store() {
        return store;
    }

    List<String> serverFlags() {
        return serverFlags;
    }

    /** The volume of pod {@code ordinal}: its data dir ({@code data}, one level below, as the README advises) and logs. */
    Path volume(int ordinal) {
        return work.resolve("pods").resolve("member-" + ordinal);
    }

    synchronized PodAddress address(int ordinal) {
        return addresses.computeIfAbsent(ordinal, PodAddress::onFreePorts);
    }

    /** Pod {@code ordinal} is gone for good (scale-in): the next one gets other ports. */
    synchronized void release(int ordinal) {
        addresses.remove(ordinal);
    }

    /** {@code member-0=http://127.0.0.1:p0,...} for the members of a cluster of {@code size}. */
    String initialCluster(int size) {
        return IntStream.range(0, size).mapToObj(this::address).map(a -> a.name() + "=" + a.peerUrl()).collect(Collectors.joining(","));
    }

    /** The client URLs of the members of a cluster of {@code size}, comma-separated. */
    String serviceEndpoints(int size) {
        return IntStream.range(0, size).mapToObj(this::address).map(PodAddress::clientUrl).collect(Collectors.joining(","));
    }
}
