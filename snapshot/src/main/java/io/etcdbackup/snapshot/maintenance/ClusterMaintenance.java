package io.etcdbackup.snapshot.maintenance;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The few etcd calls a defragmentation run makes, so its ordering and failure rules can be tested
 * against a fake. Every method throws an unchecked exception (with a one-line message) when the
 * call fails or times out.
 */
interface ClusterMaintenance extends AutoCloseable {

    /** One entry of the member list. */
    record Member(long id, String name, Optional<URI> clientUrl, boolean learner) {
    }

    /** What a member says about itself. */
    record Status(long memberId, long leaderId, long dbSize, long dbSizeInUse, boolean learner) {
    }

    /** The cluster's member list, as the member answering sees it. */
    List<Member> members();

    /** The status of the member at {@code endpoint}, read from that member. */
    Status status(URI endpoint);

    /**
     * Defragments the member at {@code endpoint}; returns when etcd says it finished.
     *
     * @throws RuntimeException when it failed or did not finish within {@code timeout} (etcd cannot
     *                          cancel a defragmentation: it may still be running then)
     */
    void defragment(URI endpoint, Duration timeout);

    @Override
    void close();
}
