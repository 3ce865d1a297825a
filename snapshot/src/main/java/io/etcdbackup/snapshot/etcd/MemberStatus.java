package io.etcdbackup.snapshot.etcd;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.maintenance.StatusResponse;

import java.net.URI;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What one member says about itself and the cluster.
 *
 * @param clusterId cluster id
 * @param memberId  the member's id
 * @param leaderId  the id of the member it believes leads
 * @param revision  its current revision (applied)
 * @param version   server version
 * @param dbSize    backend database size in bytes
 * @param raftTerm  the raft term it is in (a new election starts a new term)
 */
public record MemberStatus(long clusterId, long memberId, long leaderId, long revision, String version, long dbSize,
                           long raftTerm) {

    /** Whether this member is the leader. */
    public boolean isLeader() {
        return memberId == leaderId;
    }

    /**
     * Asks the member at {@code endpoint}.
     *
     * @throws EtcdUnavailableException when it does not answer in time
     */
    public static MemberStatus read(Client client, URI endpoint) {
        try {
            StatusResponse status = client.getMaintenanceClient().statusMember(endpoint.toString()).get(30, TimeUnit.SECONDS);
            return new MemberStatus(status.getHeader().getClusterId(), status.getHeader().getMemberId(), status.getLeader(),
                    status.getHeader().getRevision(), status.getVersion(), status.getDbSize(),
                    status.getRaftTerm());
        } catch (ExecutionException | TimeoutException e) {
            throw new EtcdUnavailableException("etcd member " + endpoint + " did not report its status: " + rootMessage(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EtcdUnavailableException("interrupted while asking " + endpoint + " for its status", e);
        }
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }
}
