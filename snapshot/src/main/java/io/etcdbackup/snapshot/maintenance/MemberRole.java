package io.etcdbackup.snapshot.maintenance;

/** A member's part in the cluster, as its own status reports it. */
public enum MemberRole {
    /** The raft leader. */
    LEADER,
    /** A voting member that is not the leader. */
    FOLLOWER,
    /** A non-voting member catching up (etcd 3.4+). */
    LEARNER
}
