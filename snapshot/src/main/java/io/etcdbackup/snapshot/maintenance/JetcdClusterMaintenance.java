package io.etcdbackup.snapshot.maintenance;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.maintenance.StatusResponse;
import io.etcdbackup.snapshot.etcd.EtcdClients;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** {@link ClusterMaintenance} over jetcd: member-scoped calls open a channel to that member's URL. */
final class JetcdClusterMaintenance implements ClusterMaintenance {

    private final Client client;
    private final Duration callTimeout;

    JetcdClusterMaintenance(EtcdClients clients, Duration callTimeout) {
        this.client = clients.newClient();
        this.callTimeout = callTimeout;
    }

    @Override
    public List<Member> members() {
        // jetcd's own Member type is spelled out: this class inherits ClusterMaintenance.Member.
        List<io.etcd.jetcd.cluster.Member> members = await(client.getClusterClient().listMember(), callTimeout, "list the members").getMembers();
        return members.stream()
                .map(m -> new Member(m.getId(), m.getName() == null ? "" : m.getName(),
                        m.getClientURIs().stream().findFirst(), m.isLearner()))
                .toList();
    }

    @Override
    public Status status(URI endpoint) {
        StatusResponse status = await(client.getMaintenanceClient().statusMember(endpoint.toString()), callTimeout,
                "read the status of " + endpoint);
        return new Status(status.getHeader().getMemberId(), status.getLeader(), status.getDbSize(), status.getDbSizeInUse(),
                status.isLearner());
    }

    @Override
    public void defragment(URI endpoint, Duration timeout) {
        await(client.getMaintenanceClient().defragmentMember(endpoint.toString()), timeout, "defragment " + endpoint);
    }

    private static <T> T await(CompletableFuture<T> call, Duration timeout, String what) {
        try {
            return call.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            call.cancel(true);
            throw new IllegalStateException("could not " + what + " within " + timeout, e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("could not " + what + ": " + rootMessage(e), e);
        } catch (InterruptedException e) {
            call.cancel(true);
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting to " + what, e);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }

    @Override
    public void close() {
        client.close();
    }
}
