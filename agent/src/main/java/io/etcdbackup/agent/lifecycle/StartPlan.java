package io.etcdbackup.agent.lifecycle;

import java.util.Objects;
import java.util.OptionalLong;

/**
 * What a member does before its etcd starts, as {@link MemberLifecycle#atStart} decided.
 *
 * @param action         what to do
 * @param clusterState   the {@code initial-cluster-state} etcd must start with
 * @param initialCluster the {@code initial-cluster} etcd must start with: with {@code existing},
 *                       exactly the listed members plus this one (etcd insists on one entry per
 *                       member); with {@code new}, the configured one
 * @param removeFirst    with {@link Action#REJOIN}: this member's old entry, removed before it is
 *                       added back as a learner
 * @param reason         one or two sentences for operators: what was observed and why this
 */
public record StartPlan(Action action, ClusterState clusterState, String initialCluster, OptionalLong removeFirst, String reason) {

    /** The choices, before etcd starts. */
    public enum Action {
        /** No member answers: the data dir is prepared from itself and the backups (keep, restore, or fresh). */
        NO_CLUSTER,
        /** The member is in the running cluster and its data is valid: etcd starts on it. */
        KEEP,
        /** The member is not in the running cluster: move any data aside, add it as a learner, start empty. */
        JOIN,
        /** The member was added (by an earlier attempt or an operator) but never started: start it empty. */
        RESUME_JOIN,
        /** The member is in the running cluster but its data is gone or invalid: remove it, move the data aside, add it back as a learner. */
        REJOIN,
        /** Not now: another learner is catching up, or the cluster has no quorum to change its membership. Ask again later. */
        WAIT
    }

    /** etcd's {@code initial-cluster-state}. */
    public enum ClusterState {
        NEW, EXISTING;

        /** As etcd spells it. */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public StartPlan {
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(clusterState, "clusterState");
        Objects.requireNonNull(initialCluster, "initialCluster");
        Objects.requireNonNull(removeFirst, "removeFirst");
        Objects.requireNonNull(reason, "reason");
        if (removeFirst.isPresent() != (action == Action.REJOIN)) {
            throw new IllegalArgumentException("a member is removed first exactly when it rejoins, not for " + action);
        }
    }
}
