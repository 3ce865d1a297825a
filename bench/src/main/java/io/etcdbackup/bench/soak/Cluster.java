package io.etcdbackup.bench.soak;

import io.etcdbackup.stores.testing.Await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;

/**
 * The pods of one etcd cluster and the size it should have: bootstrapping it, scaling it, and
 * waiting until it has converged (see {@link ClusterView#convergedTo}). Closing it kills every
 * process it started.
 */
final class Cluster implements AutoCloseable {

    static final int FOUNDING_MEMBERS = 3;

    private final Deployment deployment;
    private final InitContainer init;
    private final ClusterProbe probe;
    private final Duration healWithin;
    private final Map<Integer, Pod> pods = new TreeMap<>();
    private int size;

    Cluster(Deployment deployment, ClusterProbe probe, Duration healWithin) {
        this.deployment = deployment;
        this.init = new InitContainer(deployment, healWithin);
        this.probe = probe;
        this.healWithin = healWithin;
    }

    /**
     * The first start of three fresh members with an empty store: every pod's init step runs
     * before any etcd does (each decides {@code new}), then the etcds, then the agents.
     */
    void bootstrap() throws Exception {
        size = FOUNDING_MEMBERS;
        for (int ordinal = 0; ordinal < size; ordinal++) {
            pods.put(ordinal, new Pod(deployment, init, ordinal));
        }
        for (Pod pod : pods.values()) {
            pod.initialize(size);
        }
        for (Pod pod : pods.values()) {
            pod.startEtcd();
        }
        for (Pod pod : pods.values()) {
            pod.startAgent(size);
        }
        awaitConverged("the first bootstrap");
    }

    int size() {
        return size;
    }

    Pod pod(int ordinal) {
        return pods.get(ordinal);
    }

    /** The addresses of the members the cluster should have. */
    List<PodAddress> desired() {
        return IntStream.range(0, size).mapToObj(deployment::address).toList();
    }

    /** The client URLs of the founding members, which every round keeps. */
    List<String> foundingEndpoints() {
        return IntStream.range(0, FOUNDING_MEMBERS).mapToObj(o -> deployment.address(o).clientUrl()).toList();
    }

    /**
     * Grows to {@code newSize}: the running agents restart with the new size, then each new pod
     * starts through its init step (which adds its member as a learner), one after the other.
     */
    void scaleOut(int newSize) throws Exception {
        size = newSize;
        for (Pod pod : pods.values()) {
            pod.restartAgent(size);
        }
        for (int ordinal = 0; ordinal < newSize; ordinal++) {
            if (!pods.containsKey(ordinal)) {
                Pod pod = new Pod(deployment, init, ordinal);
                pods.put(ordinal, pod);
                pod.start(size);
            }
        }
    }

    /**
     * Shrinks to {@code newSize}: the pods beyond it are stopped (etcd and agent), the remaining
     * agents restart with the new size (the leader's then removes the members that are gone).
     * The stopped pods' volumes are deleted once the cluster converged, in {@link #forgetRemovedPods}.
     */
    void scaleIn(int newSize) throws Exception {
        size = newSize;
        for (Pod pod : pods.values()) {
            if (pod.address().ordinal() >= newSize) {
                pod.stop();
            }
        }
        for (Pod pod : pods.values()) {
            if (pod.address().ordinal() < newSize) {
                pod.restartAgent(size);
            }
        }
    }

    /** Deletes the pods beyond the size and their volumes; their ordinals get new ports when they come back. */
    void forgetRemovedPods() throws Exception {
        for (int ordinal : new ArrayList<>(pods.keySet())) {
            if (ordinal >= size) {
                Pod pod = pods.remove(ordinal);
                pod.close();
                pod.deleteVolume();
                deployment.release(ordinal);
            }
        }
    }

    /** Waits until the cluster has converged to its size; fails with the last view and every pod's logs. */
    ClusterView awaitConverged(String after) throws Exception {
        List<PodAddress> desired = desired();
        try {
            return Await.await("the cluster to converge to " + desired.stream().map(PodAddress::name).toList() + " after " + after,
                    healWithin, () -> probe.observe(desired), view -> view.convergedTo(desired));
        } catch (Await.TimedOut notConverged) {
            throw new SoakFailure("the cluster did not heal", notConverged, logs());
        }
    }

    /** The ends of every pod's logs. */
    String logs() {
        StringBuilder logs = new StringBuilder();
        pods.values().forEach(pod -> logs.append(pod.logs()));
        return logs.toString();
    }

    @Override
    public void close() throws InterruptedException {
        for (Pod pod : pods.values()) {
            pod.close();
        }
    }
}
