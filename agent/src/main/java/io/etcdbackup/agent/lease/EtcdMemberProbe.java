package io.etcdbackup.agent.lease;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.cluster.Member;
import io.etcdbackup.snapshot.etcd.EtcdClients;
import io.etcdbackup.snapshot.etcd.EtcdUnavailableException;
import io.etcdbackup.snapshot.etcd.MemberStatus;

import java.net.URI;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** The local member's ids and leader from its status, its peer URLs from the member list, over one client of its own. */
final class EtcdMemberProbe implements MemberProbe {

    private static final long TIMEOUT_SECONDS = 10;

    private final Client client;
    private final URI endpoint;

    EtcdMemberProbe(EtcdClients clients) {
        this.client = clients.newLocalClient();
        this.endpoint = clients.connection().localEndpoint();
    }

    @Override
    public MemberState read() {
        MemberStatus status = MemberStatus.read(client, endpoint);
        return new MemberState(status.memberId(), status.clusterId(), status.leaderId(), peerTls(status.memberId()));
    }

    private boolean peerTls(long memberId) {
        List<Member> members;
        try {
            members = client.getClusterClient().listMember().get(TIMEOUT_SECONDS, TimeUnit.SECONDS).getMembers();
        } catch (ExecutionException | TimeoutException e) {
            throw new EtcdUnavailableException("etcd member " + endpoint + " did not list the members", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EtcdUnavailableException("interrupted while listing the members at " + endpoint, e);
        }
        return members.stream().filter(m -> m.getId() == memberId).findFirst()
                .map(m -> !m.getPeerURIs().isEmpty() && m.getPeerURIs().stream().allMatch(u -> "https".equalsIgnoreCase(u.getScheme())))
                .orElseThrow(() -> new EtcdUnavailableException("member " + Long.toHexString(memberId) + " is not in the member list of "
                        + endpoint, null));
    }

    @Override
    public void close() {
        client.close();
    }
}
