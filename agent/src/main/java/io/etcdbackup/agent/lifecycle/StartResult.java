package io.etcdbackup.agent.lifecycle;

import io.etcdbackup.agent.lifecycle.StartPlan.ClusterState;
import io.etcdbackup.restore.init.InitializationOutcome;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What {@link MemberStartup} decided and did; the caller starts etcd with {@link #clusterState()}
 * and {@link #initialCluster()} when {@link #successful()}.
 *
 * @param decision       KEEP, RESTORE or FRESH (no member answered: the initializer's decision),
 *                       or JOIN, RESUME_JOIN, REJOIN, KEEP (the cluster answered), or REFUSE
 * @param successful     whether etcd may start now
 * @param refused        whether acting was refused (could lose data, or waited in vain), as opposed to failed
 * @param clusterState   the {@code initial-cluster-state} etcd must use
 * @param initialCluster the {@code initial-cluster} etcd must use
 * @param revision       the revision etcd starts at, when known (kept or restored data)
 * @param reason         for operators: what was observed, decided and done
 * @param prepared       what the {@link io.etcdbackup.restore.init.Initializer} did to the data dir, when it ran
 *                       (for its validation and restore metrics)
 */
public record StartResult(String decision, boolean successful, boolean refused, ClusterState clusterState, String initialCluster,
                          OptionalLong revision, String reason, Optional<InitializationOutcome> prepared) {

    public StartResult {
        Objects.requireNonNull(decision, "decision");
        Objects.requireNonNull(clusterState, "clusterState");
        Objects.requireNonNull(initialCluster, "initialCluster");
        Objects.requireNonNull(revision, "revision");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(prepared, "prepared");
        if (successful && refused) {
            throw new IllegalArgumentException("a refusal is never successful");
        }
    }

    /** The member names in {@link #initialCluster()}, in order. */
    public java.util.List<String> initialClusterNames() {
        return java.util.Arrays.stream(initialCluster.split(",")).map(String::strip).filter(e -> e.contains("="))
                .map(e -> e.substring(0, e.indexOf('='))).distinct().toList();
    }
}
