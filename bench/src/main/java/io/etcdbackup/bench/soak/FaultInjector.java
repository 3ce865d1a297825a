package io.etcdbackup.bench.soak;

import java.time.Duration;
import java.util.List;

/**
 * Injects one fault the way it happens to a pod, then waits for the cluster to heal. Time to heal
 * runs from the fault to the cluster having converged again (every desired member a voter, no
 * learner, every etcd and agent healthy): restarts, rejoins and promotions included.
 */
final class FaultInjector {

    static final int SCALED_OUT = 5;

    private final Cluster cluster;

    FaultInjector(Cluster cluster) {
        this.cluster = cluster;
    }

    /** Injects {@code fault} into the member of ordinal {@code target}; returns the times to heal. */
    List<Duration> inject(Fault fault, int target) throws Exception {
        Pod pod = cluster.pod(target);
        return switch (fault) {
            case ETCD_CRASH -> {
                long start = System.nanoTime();
                pod.killEtcd();
                pod.startEtcd();
                yield List.of(healedSince(start, pod.name() + "'s etcd was killed and restarted"));
            }
            case AGENT_CRASH -> {
                long start = System.nanoTime();
                pod.killAgent();
                pod.startAgent(cluster.size());
                yield List.of(healedSince(start, pod.name() + "'s agent was killed and restarted"));
            }
            case DATA_LOSS -> {
                long start = System.nanoTime();
                pod.loseVolume();
                pod.start(cluster.size());
                yield List.of(healedSince(start, pod.name() + " lost its data dir and restarted through initialize"));
            }
            case SCALE_OUT_AND_IN -> {
                long out = System.nanoTime();
                cluster.scaleOut(SCALED_OUT);
                Duration grown = healedSince(out, "growing to " + SCALED_OUT + " members");
                long in = System.nanoTime();
                cluster.scaleIn(Cluster.FOUNDING_MEMBERS);
                Duration shrunk = healedSince(in, "shrinking back to " + Cluster.FOUNDING_MEMBERS + " members");
                cluster.forgetRemovedPods();
                yield List.of(grown, shrunk);
            }
        };
    }

    private Duration healedSince(long startNanos, String after) throws Exception {
        cluster.awaitConverged(after);
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }
}
