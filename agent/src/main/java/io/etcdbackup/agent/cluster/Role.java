package io.etcdbackup.agent.cluster;

/** The local etcd member's role as the agent last saw it. */
public enum Role {
    /** No answer from the local member yet. */
    UNKNOWN,
    /** The local member did not answer its last status call. */
    UNAVAILABLE,
    /** The local member leads: this agent writes backups. */
    LEADER,
    /** A voting member that does not lead: this agent forwards snapshot requests. */
    FOLLOWER,
    /** A non-voting member catching up: like a follower. */
    LEARNER
}
