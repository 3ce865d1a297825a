package io.etcdbackup.agent.lifecycle;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.cluster.Member;
import io.etcd.jetcd.maintenance.StatusResponse;
import io.etcdbackup.snapshot.etcd.EtcdClients;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * {@link EtcdMembership} over jetcd. The member list is asked of the observing endpoints (the
 * local member first, for the sidecar: etcd serves its member list without quorum, but a learner
 * serves none); changes go to the changing endpoints (the cluster's).
 */
public final class JetcdMembership implements EtcdMembership {

    private static final long ANSWER_SECONDS = 5;
    private static final long PROBE_SECONDS = 3;
    private static final long CHANGE_SECONDS = 15;

    private final EtcdClients clients;
    private final List<URI> observeOrder;
    private final List<URI> changeOrder;
    private final Map<URI, Client> perEndpoint = new ConcurrentHashMap<>();

    /**
     * @param clients  TLS and credentials of the connections
     * @param observe  where the member list is asked, in order of preference (the first that
     *                 answers with a list is used: a learner answers none)
     * @param change   where membership changes are sent
     */
    public JetcdMembership(EtcdClients clients, List<URI> observe, List<URI> change) {
        this.clients = clients;
        this.observeOrder = observe.stream().distinct().toList();
        this.changeOrder = change.stream().distinct().toList();
        if (observeOrder.isEmpty() || changeOrder.isEmpty()) {
            throw new IllegalArgumentException("membership needs endpoints to observe and to change through");
        }
    }

    private Client clientFor(URI endpoint) {
        return perEndpoint.computeIfAbsent(endpoint, e -> clients.newClient(List.of(e)));
    }

    /**
     * {@inheritDoc}
     *
     * <p>Every observing endpoint is asked at once; the list comes from the first, in order, that
     * gave one. An endpoint whose etcd answered with a refusal (a learner, a member without a
     * leader) still counts as an answer: the cluster then "answers without a list", never "does
     * not answer", so nobody mistakes it for a cluster that is down.
     */
    @Override
    public ClusterView observe() {
        Map<URI, CompletableFuture<List<Member>>> asked = new LinkedHashMap<>();
        for (URI endpoint : observeOrder) {
            asked.put(endpoint, clientFor(endpoint).getClusterClient().listMember().thenApply(r -> r.getMembers()));
        }
        List<Member> listed = null;
        List<String> failures = new ArrayList<>();
        boolean refused = false;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(ANSWER_SECONDS);
        for (Map.Entry<URI, CompletableFuture<List<Member>>> answer : asked.entrySet()) {
            try {
                List<Member> members = answer.getValue().get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (listed == null) {
                    listed = members;
                }
            } catch (ExecutionException | TimeoutException e) {
                String message = rootMessage(e);
                refused |= message.contains("etcdserver:");
                failures.add(answer.getKey() + ": " + message);
                answer.getValue().cancel(true);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return ClusterView.noAnswer("interrupted while asking " + observeOrder);
            }
        }
        if (listed == null) {
            String why = "asked " + observeOrder + ": " + String.join("; ", failures);
            return refused ? new ClusterView(true, List.of(), OptionalLong.empty(), Set.of(), why + " (etcd answered, without a member list)")
                    : ClusterView.noAnswer(why);
        }
        List<ClusterMember> members = listed.stream().map(m -> new ClusterMember(m.getId(), m.getName(), m.getPeerURIs(),
                m.getClientURIs(), m.isLearner())).toList();
        return probe(members);
    }

    /** Asks each member for its status on its first client URL: who answers, and whom they follow. */
    private ClusterView probe(List<ClusterMember> members) {
        Client prober = clientFor(observeOrder.get(0));
        Map<Long, CompletableFuture<StatusResponse>> probes = new LinkedHashMap<>();
        for (ClusterMember member : members) {
            if (!member.clientUrls().isEmpty()) {
                probes.put(member.id(), prober.getMaintenanceClient().statusMember(member.clientUrls().get(0).toString()));
            }
        }
        Set<Long> reachable = new HashSet<>();
        OptionalLong leader = OptionalLong.empty();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(PROBE_SECONDS);
        for (Map.Entry<Long, CompletableFuture<StatusResponse>> probe : probes.entrySet()) {
            try {
                StatusResponse status = probe.getValue().get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                reachable.add(probe.getKey());
                if (leader.isEmpty() && status.getLeader() != 0) {
                    leader = OptionalLong.of(status.getLeader());
                }
            } catch (ExecutionException | TimeoutException notAnswering) {
                // Not cancelled: jetcd shuts the probe's channel down when the call ends, which a cancel would skip.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return new ClusterView(true, members, leader, reachable, "asked " + observeOrder);
    }

    @Override
    public void addLearner(List<URI> peerUrls) {
        change("add a learner with peer URLs " + peerUrls, client -> client.getClusterClient().addMember(peerUrls, true),
                "peer urls already exists", "peerurl exists", "member id already exist");
    }

    @Override
    public void remove(long id) {
        change("remove member " + hex(id), client -> client.getClusterClient().removeMember(id), "member not found");
    }

    @Override
    public void promote(long id) {
        change("promote learner " + hex(id), client -> client.getClusterClient().promoteMember(id),
                "can only promote a learner member");
    }

    @Override
    public void updatePeerUrls(long id, List<URI> peerUrls) {
        change("update member " + hex(id) + "'s peer URLs to " + peerUrls, client -> client.getClusterClient().updateMember(id, peerUrls));
    }

    @Override
    public OptionalDouble learnerProgress(long id) {
        ClusterView view = observe();
        ClusterMember learner = view.members().stream().filter(m -> m.id() == id).findFirst().orElse(null);
        ClusterMember leader = view.members().stream().filter(view::leads).findFirst().orElse(null);
        if (learner == null || leader == null || learner.clientUrls().isEmpty() || leader.clientUrls().isEmpty()) {
            return OptionalDouble.empty();
        }
        try {
            long learnerIndex = raftIndex(learner);
            long leaderIndex = raftIndex(leader);
            return OptionalDouble.of(leaderIndex == 0 ? 1.0 : Math.min(1.0, (double) learnerIndex / leaderIndex));
        } catch (ExecutionException | TimeoutException notAnswering) {
            return OptionalDouble.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OptionalDouble.empty();
        }
    }

    private long raftIndex(ClusterMember member) throws ExecutionException, TimeoutException, InterruptedException {
        return clientFor(observeOrder.get(0)).getMaintenanceClient().statusMember(member.clientUrls().get(0).toString())
                .get(PROBE_SECONDS, TimeUnit.SECONDS).getRaftIndex();
    }

    /**
     * Makes a change through the first changing endpoint that takes it: one that does not answer,
     * or is a learner (which serves no membership change), passes it to the next. An error
     * containing one of {@code alreadyDone} (etcd's words, lower case) means it was made before.
     */
    private void change(String what, Function<Client, CompletableFuture<?>> call, String... alreadyDone) {
        MembershipChangeException last = null;
        for (URI endpoint : changeOrder) {
            try {
                call.apply(clientFor(endpoint)).get(CHANGE_SECONDS, TimeUnit.SECONDS);
                return;
            } catch (ExecutionException | TimeoutException e) {
                String message = rootMessage(e);
                String lower = message.toLowerCase(java.util.Locale.ROOT);
                // "can only promote a learner member which is in sync with leader" is a refusal, not "already a voter".
                boolean learnerNotReady = lower.contains("in sync with leader");
                for (String done : alreadyDone) {
                    if (lower.contains(done) && !learnerNotReady) {
                        return;
                    }
                }
                last = new MembershipChangeException("could not " + what + " (asked " + endpoint + "): " + message, retryable(lower, e), e);
                boolean elsewhere = e instanceof TimeoutException || lower.contains("not supported for learner") || !lower.contains("etcdserver:");
                if (!elsewhere) {
                    throw last;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new MembershipChangeException("interrupted while trying to " + what, true, e);
            }
        }
        throw last;
    }

    /** etcd refusals that go away by themselves; anything else (bad URLs, permissions) needs a person. */
    private static boolean retryable(String lower, Exception e) {
        // "not supported for learner": the call reached the learner itself; the next one goes to another endpoint.
        List<String> transientRefusals = List.of("too many learner", "in sync with leader", "not supported for learner", "not ready", "no leader",
                "leader changed", "unhealthy cluster", "timed out", "timeout", "unavailable", "deadline", "connection");
        return e instanceof TimeoutException || transientRefusals.stream().anyMatch(lower::contains);
    }

    private static String hex(long id) {
        return String.format("%016x", id);
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return message.replace('\n', ' ');
    }

    @Override
    public void close() {
        perEndpoint.values().forEach(Client::close);
    }
}
