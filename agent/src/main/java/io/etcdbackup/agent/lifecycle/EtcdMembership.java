package io.etcdbackup.agent.lifecycle;

import java.net.URI;
import java.util.List;

/**
 * etcd's membership API, as the reconciler needs it: observe the cluster, and change it one step
 * at a time. Each change is idempotent in the sense the reconciler needs: a change already made
 * (the member is already added, removed or promoted) returns normally.
 */
public interface EtcdMembership extends AutoCloseable {

    /**
     * Asks the cluster: the member list from the first endpoint that answers, the leader, and
     * which members answer a status request on their client URLs. Never throws: a cluster that
     * does not answer is {@link ClusterView#noAnswer}.
     */
    ClusterView observe();

    /**
     * Adds a learner with {@code peerUrls}. A member that already has one of these peer URLs
     * counts as added.
     *
     * @throws MembershipChangeException when etcd refuses (e.g. another learner is catching up: {@link MembershipChangeException#retryable()})
     */
    void addLearner(List<URI> peerUrls);

    /** Removes member {@code id}; a member that is not there counts as removed. */
    void remove(long id);

    /**
     * Promotes learner {@code id} to a voter; a member that already votes counts as promoted.
     *
     * @throws MembershipChangeException when etcd refuses; retryable while the learner has not caught up
     */
    void promote(long id);

    /** Sets member {@code id}'s peer URLs. */
    void updatePeerUrls(long id, List<URI> peerUrls);

    /**
     * How far learner {@code id} has come: its raft index over the leader's, between 0 and 1;
     * empty when either does not answer.
     */
    java.util.OptionalDouble learnerProgress(long id);

    @Override
    void close();
}
