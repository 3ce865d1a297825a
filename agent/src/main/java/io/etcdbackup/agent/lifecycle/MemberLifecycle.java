package io.etcdbackup.agent.lifecycle;

import io.etcdbackup.agent.lifecycle.RunningPlan.Quorum;
import io.etcdbackup.agent.lifecycle.StartPlan.Action;
import io.etcdbackup.agent.lifecycle.StartPlan.ClusterState;
import io.etcdbackup.restore.init.DataDirVerdict;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The member reconciler's decisions, in one place and pure: nothing here reads or changes
 * anything. {@link #atStart} decides what happens before etcd starts (the init container);
 * {@link #whileRunning} what the sidecar changes while it runs. Callers observe, call these,
 * and act ({@link MemberStartup}, {@link MemberReconciler}).
 *
 * <p>Two rules hold throughout: a running cluster is never overwritten by an old backup (a member
 * that lost its data rejoins from its peers), and a cluster that lost quorum is never "healed" by
 * starting a new cluster from a survivor (it is reported; an operator decides).
 */
public final class MemberLifecycle {

    private MemberLifecycle() {
    }

    /**
     * What to do before etcd starts.
     *
     * <table>
     *   <caption>Start decisions</caption>
     *   <tr><th>cluster</th><th>this member in the member list</th><th>data dir</th><th>decision</th></tr>
     *   <tr><td>no member answers</td><td>-</td><td>any</td><td>NO_CLUSTER: keep, restore the latest backup with the whole membership, or start fresh (new)</td></tr>
     *   <tr><td>quorum</td><td>absent</td><td>any</td><td>JOIN as a learner (existing); WAIT while another learner catches up</td></tr>
     *   <tr><td>quorum</td><td>added, never started</td><td>any</td><td>RESUME_JOIN (existing): "already added" counts as done</td></tr>
     *   <tr><td>any answer</td><td>started</td><td>valid</td><td>KEEP (existing)</td></tr>
     *   <tr><td>quorum</td><td>started</td><td>missing, empty, invalid</td><td>REJOIN: remove, add back as a learner (existing); WAIT while another learner catches up</td></tr>
     *   <tr><td>answers, no quorum</td><td>not started, or data not valid</td><td>-</td><td>WAIT: membership cannot change without quorum</td></tr>
     * </table>
     *
     * @param self                     this member
     * @param configuredInitialCluster the {@code --initial-cluster} it was given (used when no member answers)
     * @param cluster                  the cluster, asked through the service endpoints
     * @param dataDir                  what validation found in the data dir (only read when the member is in the list)
     */
    public static StartPlan atStart(MemberSpec self, String configuredInitialCluster, ClusterView cluster,
                                    DataDirVerdict.Status dataDir) {
        if (!cluster.answered()) {
            return new StartPlan(Action.NO_CLUSTER, ClusterState.NEW, configuredInitialCluster, OptionalLong.empty(),
                    "no member of the cluster answers (" + cluster.description() + "): a new cluster, or the whole cluster restarting"
                            + " or lost; the data dir is kept, restored from the latest backup with the whole membership, or started"
                            + " fresh when there are no backups");
        }
        Optional<ClusterMember> entry = cluster.find(self);
        String existing = existingCluster(self, cluster);
        if (entry.isPresent() && entry.get().started() && dataDir == DataDirVerdict.Status.VALID) {
            return new StartPlan(Action.KEEP, ClusterState.EXISTING, existing, OptionalLong.empty(), entry.get().describe()
                    + " is in the member list and its data dir is valid: etcd starts on it and catches up from its peers"
                    + (cluster.hasQuorum() ? "" : " (the cluster has no quorum now; this member's vote helps it regain it)"));
        }
        if (!cluster.hasQuorum()) {
            return waiting(existing, "the cluster answers but has no quorum (" + cluster.summary() + "): its membership cannot change"
                    + " until a majority of the voters run again");
        }
        Optional<ClusterMember> otherLearner = cluster.learners().stream().filter(m -> !self.is(m)).findFirst();
        if (entry.isEmpty()) {
            if (otherLearner.isPresent()) {
                return waiting(existing, "not in the member list, and etcd allows one learner at a time: waiting for "
                        + otherLearner.get().describe() + " to be promoted");
            }
            return new StartPlan(Action.JOIN, ClusterState.EXISTING, existing, OptionalLong.empty(), "not in the member list ("
                    + cluster.summary() + "): added as a learner; etcd starts empty (any data there is moved aside) and syncs from"
                    + " the leader; its agent promotes it once it has caught up");
        }
        ClusterMember member = entry.get();
        if (!member.started()) {
            return new StartPlan(Action.RESUME_JOIN, ClusterState.EXISTING, existing, OptionalLong.empty(), "already added to the"
                    + " cluster as " + member.describe() + " but never started: etcd starts empty (any data there is moved aside)"
                    + " and syncs from the leader");
        }
        if (otherLearner.isPresent()) {
            return waiting(existing, member.describe() + " lost its data (" + dataDir + "), and etcd allows one learner at a time:"
                    + " waiting for " + otherLearner.get().describe() + " to be promoted before it is removed and added back");
        }
        return new StartPlan(Action.REJOIN, ClusterState.EXISTING, existing, OptionalLong.of(member.id()), member.describe()
                + " is in the member list but its data dir is " + dataDir.name().toLowerCase(java.util.Locale.ROOT) + ", and the"
                + " cluster has quorum: it is removed, its data dir moved aside (deleted once it votes again), and it is added back"
                + " as a learner that syncs from the leader; an old backup is never restored over a running cluster");
    }

    private static StartPlan waiting(String existing, String reason) {
        return new StartPlan(Action.WAIT, ClusterState.EXISTING, existing, OptionalLong.empty(), reason);
    }

    /** {@code initial-cluster} for joining the running cluster: every listed member but this one, then this one as configured. */
    private static String existingCluster(MemberSpec self, ClusterView cluster) {
        Stream<String> others = cluster.members().stream().filter(m -> !self.is(m))
                .flatMap(m -> m.peerUrls().stream().map(url -> m.initialClusterName() + "=" + url));
        return Stream.concat(others, Stream.of(self.initialClusterEntries())).collect(Collectors.joining(","));
    }

    /**
     * What to change while etcd runs, observed through the local member.
     *
     * <ul>
     *   <li>Quorum lost (or the local member does not answer): nothing changes; it is reported.</li>
     *   <li>This member is a learner: promote it.</li>
     *   <li>It votes, answers, and data was moved aside for its rejoin: delete that data. Its own
     *       answer matters: while a rejoin is under way the member list may still name its old,
     *       voting entry, whose etcd is down.</li>
     *   <li>Its peer URLs in the member list differ from what it advertises: update them.</li>
     *   <li>It leads, and a member beyond the desired size has not answered for {@code removalGrace}:
     *       remove one such member (the highest ordinal first), unless that would cost quorum.</li>
     * </ul>
     *
     * @param self           this member
     * @param cluster        the cluster as the local member sees it
     * @param desiredSize    the desired number of voters ({@code --cluster-size}, or the StatefulSet's replicas); empty: never scale down
     * @param asideData      whether data moved aside for a rejoin was there before {@code cluster} was observed
     * @param unreachableFor how long each member (by id) has not answered; absent for members that answer
     * @param removalGrace   how long a member beyond the desired size must not have answered before it is removed
     */
    public static RunningPlan whileRunning(MemberSpec self, ClusterView cluster, OptionalInt desiredSize, boolean asideData,
                                           Map<Long, Duration> unreachableFor, Duration removalGrace) {
        if (!cluster.answered()) {
            return new RunningPlan(List.of(), new Quorum(Quorum.State.UNKNOWN, 0, 0, List.of()));
        }
        Quorum quorum = new Quorum(cluster.hasQuorum() ? Quorum.State.HELD : Quorum.State.LOST, cluster.voters().size(),
                cluster.reachableVoters().size(), cluster.survivors());
        Optional<ClusterMember> entry = cluster.find(self);
        if (quorum.state() != Quorum.State.HELD || entry.isEmpty()) {
            return new RunningPlan(List.of(), quorum);
        }
        ClusterMember member = entry.get();
        List<RunningStep> steps = new ArrayList<>();
        if (member.learner()) {
            steps.add(new RunningStep.PromoteSelf(member.id()));
        } else if (asideData && cluster.reachable().contains(member.id())) {
            steps.add(new RunningStep.DeleteAsideData());
        }
        if (member.started() && !new HashSet<>(member.peerUrls()).equals(new HashSet<>(self.peerUrls()))) {
            steps.add(new RunningStep.UpdatePeerUrls(member.id(), self.peerUrls()));
        }
        if (cluster.leads(member) && desiredSize.isPresent()) {
            removable(cluster, desiredSize.getAsInt(), unreachableFor, removalGrace)
                    .ifPresent(gone -> steps.add(new RunningStep.RemoveMember(gone.id(), gone.describe())));
        }
        return new RunningPlan(steps, quorum);
    }

    /** A member beyond the desired size, gone for the grace period, whose removal keeps quorum; the highest ordinal first. */
    private static Optional<ClusterMember> removable(ClusterView cluster, int desiredSize, Map<Long, Duration> unreachableFor,
                                                     Duration removalGrace) {
        boolean tooMany = cluster.members().size() > desiredSize;
        return cluster.members().stream()
                .filter(m -> m.ordinal().isPresent() ? m.ordinal().getAsInt() >= desiredSize : !m.started() && tooMany)
                .filter(m -> !cluster.reachable().contains(m.id()))
                .filter(m -> unreachableFor.getOrDefault(m.id(), Duration.ZERO).compareTo(removalGrace) >= 0)
                .filter(m -> keepsQuorum(cluster, m))
                .max(Comparator.comparingInt((ClusterMember m) -> m.ordinal().orElse(Integer.MAX_VALUE)));
    }

    private static boolean keepsQuorum(ClusterView cluster, ClusterMember removed) {
        if (removed.learner()) {
            return true;
        }
        int votersAfter = cluster.voters().size() - 1;
        long reachableAfter = cluster.reachableVoters().stream().filter(m -> m.id() != removed.id()).count();
        return votersAfter >= 1 && reachableAfter >= votersAfter / 2 + 1;
    }
}
