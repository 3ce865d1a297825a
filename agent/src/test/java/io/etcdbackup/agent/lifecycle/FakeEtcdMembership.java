package io.etcdbackup.agent.lifecycle;

import java.net.URI;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Supplier;

/**
 * etcd's membership in memory, for the reconciler's actors: a member list (ids, names, peer URLs,
 * learners), the members that answer, the leader. Changes behave as {@link EtcdMembership} promises
 * (an added peer URL counts as added, a missing member as removed, a voter as promoted) and are
 * recorded in order, refused ones too; the test can make the next change of a kind, or every one,
 * refused with a retryable or non-retryable {@link MembershipChangeException}.
 */
final class FakeEtcdMembership implements EtcdMembership {

    /** The kinds of change. */
    enum Change { ADD_LEARNER, REMOVE, PROMOTE, UPDATE_PEER_URLS }

    private final List<ClusterMember> members = new ArrayList<>();
    private final Set<Long> reachable = new HashSet<>();
    private final Map<Change, Deque<MembershipChangeException>> refusals = new EnumMap<>(Change.class);
    private final Map<Change, MembershipChangeException> alwaysRefused = new EnumMap<>(Change.class);
    private final List<String> changes = new ArrayList<>();
    private OptionalLong leader = OptionalLong.empty();
    private boolean answering = true;
    private OptionalDouble learnerProgress = OptionalDouble.empty();
    private Supplier<String> context = () -> "";
    private long nextId = 900;
    private int observations;
    private boolean closed;

    static URI peer(String name) {
        return URI.create("http://" + name + ":2380");
    }

    private static URI client(String name) {
        return URI.create("http://" + name + ":2379");
    }

    /** A started voter {@code name} that answers. */
    FakeEtcdMembership voter(long id, String name) {
        return voter(id, name, peer(name));
    }

    /** A started voter {@code name} that answers, listed with {@code peerUrl}. */
    FakeEtcdMembership voter(long id, String name, URI peerUrl) {
        members.add(new ClusterMember(id, name, List.of(peerUrl), List.of(client(name)), false));
        reachable.add(id);
        return this;
    }

    /** A started learner {@code name} that answers. */
    FakeEtcdMembership learner(long id, String name) {
        members.add(new ClusterMember(id, name, List.of(peer(name)), List.of(client(name)), true));
        reachable.add(id);
        return this;
    }

    /** A member added with {@code peerUrl} that never started (no name, no client URLs, does not answer). */
    FakeEtcdMembership unstarted(long id, URI peerUrl) {
        members.add(new ClusterMember(id, "", List.of(peerUrl), List.of(), true));
        return this;
    }

    FakeEtcdMembership leader(long id) {
        leader = OptionalLong.of(id);
        return this;
    }

    FakeEtcdMembership noLeader() {
        leader = OptionalLong.empty();
        return this;
    }

    /** Member {@code id} stops answering (its pod is gone); the list still names it. */
    FakeEtcdMembership unreachable(long id) {
        reachable.remove(id);
        return this;
    }

    FakeEtcdMembership answersAgain(long id) {
        reachable.add(id);
        return this;
    }

    /** Learner {@code id} becomes a voter by someone else's doing (its own agent): not a change this fake records. */
    FakeEtcdMembership promotedElsewhere(long id) {
        ClusterMember member = find(id);
        replace(member, new ClusterMember(id, member.name(), member.peerUrls(), member.clientUrls(), false));
        return this;
    }

    /** No endpoint answers at all. */
    FakeEtcdMembership silent() {
        answering = false;
        return this;
    }

    /** What {@link #learnerProgress} reports. */
    FakeEtcdMembership learnerProgress(double caughtUp) {
        learnerProgress = OptionalDouble.of(caughtUp);
        return this;
    }

    /** The next change of this kind is refused with {@code message}. */
    FakeEtcdMembership refuseNext(Change change, boolean retryable, String message) {
        refusals.computeIfAbsent(change, c -> new ArrayDeque<>()).add(new MembershipChangeException(message, retryable, null));
        return this;
    }

    /** Every change of this kind is refused with {@code message}, until {@link #stopRefusing}. */
    FakeEtcdMembership refuseAlways(Change change, boolean retryable, String message) {
        alwaysRefused.put(change, new MembershipChangeException(message, retryable, null));
        return this;
    }

    FakeEtcdMembership stopRefusing(Change change) {
        alwaysRefused.remove(change);
        refusals.remove(change);
        return this;
    }

    /** Appended to every recorded change, as {@code change | context}: what else was true when it was asked for. */
    FakeEtcdMembership recordWith(Supplier<String> what) {
        context = what;
        return this;
    }

    /** The changes asked for, in order, as {@code addLearner http://etcd-0:2380}, {@code remove 100}, ... ({@code refused} when refused). */
    List<String> changes() {
        return List.copyOf(changes);
    }

    List<ClusterMember> members() {
        return List.copyOf(members);
    }

    int observations() {
        return observations;
    }

    boolean closed() {
        return closed;
    }

    @Override
    public ClusterView observe() {
        observations++;
        if (!answering) {
            return ClusterView.noAnswer("fake: no service endpoint answers");
        }
        Set<Long> answered = new HashSet<>(reachable);
        answered.retainAll(members.stream().map(ClusterMember::id).toList());
        return new ClusterView(true, members, leader, answered, "fake cluster");
    }

    @Override
    public void addLearner(List<URI> peerUrls) {
        record(Change.ADD_LEARNER, "addLearner " + String.join(",", peerUrls.stream().map(URI::toString).toList()));
        if (members.stream().anyMatch(m -> m.peerUrls().stream().anyMatch(peerUrls::contains))) {
            return; // already added
        }
        members.add(new ClusterMember(nextId++, "", peerUrls, List.of(), true));
    }

    @Override
    public void remove(long id) {
        record(Change.REMOVE, "remove " + id);
        members.removeIf(m -> m.id() == id);
        reachable.remove(id);
        if (leader.isPresent() && leader.getAsLong() == id) {
            leader = OptionalLong.empty();
        }
    }

    @Override
    public void promote(long id) {
        record(Change.PROMOTE, "promote " + id);
        ClusterMember member = find(id);
        replace(member, new ClusterMember(id, member.name(), member.peerUrls(), member.clientUrls(), false));
    }

    @Override
    public void updatePeerUrls(long id, List<URI> peerUrls) {
        record(Change.UPDATE_PEER_URLS, "updatePeerUrls " + id + " " + String.join(",", peerUrls.stream().map(URI::toString).toList()));
        ClusterMember member = find(id);
        replace(member, new ClusterMember(id, member.name(), peerUrls, member.clientUrls(), member.learner()));
    }

    @Override
    public OptionalDouble learnerProgress(long id) {
        return learnerProgress;
    }

    @Override
    public void close() {
        closed = true;
    }

    /** Records the change, then throws the refusal set up for it, if any. */
    private void record(Change change, String description) {
        String suffix = context.get().isEmpty() ? "" : " | " + context.get();
        Deque<MembershipChangeException> next = refusals.get(change);
        MembershipChangeException refusal = next != null && !next.isEmpty() ? next.poll() : alwaysRefused.get(change);
        changes.add(description + (refusal == null ? "" : " refused") + suffix);
        if (refusal != null) {
            throw refusal;
        }
    }

    private ClusterMember find(long id) {
        return members.stream().filter(m -> m.id() == id).findFirst()
                .orElseThrow(() -> new MembershipChangeException("etcdserver: member not found", false, null));
    }

    private void replace(ClusterMember old, ClusterMember updated) {
        members.set(members.indexOf(old), updated);
    }
}
