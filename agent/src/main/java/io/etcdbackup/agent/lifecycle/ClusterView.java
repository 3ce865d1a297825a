package io.etcdbackup.agent.lifecycle;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What the cluster looked like when it was asked: the member list, who leads, and which members
 * answered on their client URLs. An immutable observation; {@link MemberLifecycle} decides on it.
 *
 * @param answered    whether any member answered with a member list; when false the other fields are empty
 * @param members     the member list
 * @param leader      the leader's id, when an answering member knows one
 * @param reachable   ids of the members that answered a status request on their client URLs
 * @param description what was asked and, when nothing answered, why (for logs and reasons)
 */
public record ClusterView(boolean answered, List<ClusterMember> members, OptionalLong leader, Set<Long> reachable,
                          String description) {

    public ClusterView {
        members = List.copyOf(members);
        reachable = Set.copyOf(reachable);
        Objects.requireNonNull(leader, "leader");
        Objects.requireNonNull(description, "description");
        if (!answered && (!members.isEmpty() || leader.isPresent() || !reachable.isEmpty())) {
            throw new IllegalArgumentException("a cluster that did not answer has no members, leader or reachable members");
        }
    }

    /** No member answered; {@code why} says what was tried. */
    public static ClusterView noAnswer(String why) {
        return new ClusterView(false, List.of(), OptionalLong.empty(), Set.of(), why);
    }

    /** This member's entry: by name, or by peer URL while it has not started. */
    public Optional<ClusterMember> find(MemberSpec self) {
        return members.stream().filter(self::is).findFirst();
    }

    public List<ClusterMember> voters() {
        return members.stream().filter(ClusterMember::voter).toList();
    }

    public List<ClusterMember> learners() {
        return members.stream().filter(ClusterMember::learner).toList();
    }

    /** Voters that answered. */
    public List<ClusterMember> reachableVoters() {
        return voters().stream().filter(m -> reachable.contains(m.id())).toList();
    }

    /** Votes needed for a decision: a majority of the voters. */
    public int quorumSize() {
        return voters().size() / 2 + 1;
    }

    /** Whether the cluster can commit: a leader is known and a majority of the voters answer. */
    public boolean hasQuorum() {
        return answered && leader.isPresent() && reachableVoters().size() >= quorumSize();
    }

    /** Whether this member is the leader. */
    public boolean leads(ClusterMember member) {
        return leader.isPresent() && leader.getAsLong() == member.id();
    }

    /** Names of the voters that answered, for status and runbooks. */
    public List<String> survivors() {
        return reachableVoters().stream().map(ClusterMember::describe).toList();
    }

    /** One line for logs: the members and who answered. */
    public String summary() {
        if (!answered) {
            return "no member answers (" + description + ")";
        }
        return members.stream().map(m -> m.describe() + (reachable.contains(m.id()) ? "" : " unreachable") + (leads(m) ? " leader" : ""))
                .collect(Collectors.joining(", ", "members: ", "")) + (leader.isEmpty() ? "; no leader" : "");
    }
}
