package io.etcdbackup.agent.lifecycle;

import io.etcdbackup.agent.lifecycle.RunningPlan.Quorum;
import io.etcdbackup.agent.lifecycle.StartPlan.Action;
import io.etcdbackup.agent.lifecycle.StartPlan.ClusterState;
import io.etcdbackup.restore.init.DataDirVerdict.Status;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** The reconciler's decisions as a table: one observation per row, the decision it must lead to (README: "Member lifecycle"). */
class MemberLifecycleTest {

    private static final String CONFIGURED = "etcd-0=http://etcd-0:2380,etcd-1=http://etcd-1:2380,etcd-2=http://etcd-2:2380";
    private static final Duration GRACE = Duration.ofSeconds(30);

    private static MemberSpec self(int ordinal) {
        return new MemberSpec("etcd-" + ordinal, List.of(peer(ordinal)));
    }

    private static URI peer(int ordinal) {
        return URI.create("http://etcd-" + ordinal + ":2380");
    }

    private static ClusterMember voter(int ordinal) {
        return new ClusterMember(100 + ordinal, "etcd-" + ordinal, List.of(peer(ordinal)), List.of(URI.create("http://etcd-" + ordinal + ":2379")), false);
    }

    private static ClusterMember learner(int ordinal) {
        return new ClusterMember(100 + ordinal, "etcd-" + ordinal, List.of(peer(ordinal)), List.of(URI.create("http://etcd-" + ordinal + ":2379")), true);
    }

    private static ClusterMember unstarted(int ordinal) {
        return new ClusterMember(100 + ordinal, "", List.of(peer(ordinal)), List.of(), true);
    }

    /** A cluster where {@code members} are listed, those in {@code answering} answer, and {@code leader} leads (-1: none). */
    private static ClusterView cluster(List<ClusterMember> members, int leader, Integer... answering) {
        Set<Long> reachable = Arrays.stream(answering).map(o -> 100L + o).collect(Collectors.toSet());
        return new ClusterView(true, members, leader < 0 ? OptionalLong.empty() : OptionalLong.of(100 + leader), reachable, "test");
    }

    private static final ClusterView SILENT = ClusterView.noAnswer("no endpoint answered");

    @Nested
    class BeforeEtcdStarts {

        @Test
        void whenNoMemberAnswersTheDataDirIsPreparedAsANewClusterWithTheConfiguredMembership() {
            for (Status dataDir : Status.values()) {
                StartPlan plan = MemberLifecycle.atStart(self(0), CONFIGURED, SILENT, dataDir);
                assertThat(plan.action()).isEqualTo(Action.NO_CLUSTER);
                assertThat(plan.clusterState()).isEqualTo(ClusterState.NEW);
                assertThat(plan.initialCluster()).isEqualTo(CONFIGURED);
            }
        }

        @Test
        void aListedMemberWithValidDataKeepsItAndStartsAsExisting() {
            ClusterView healthy = cluster(List.of(voter(0), voter(1), voter(2)), 1, 1, 2);
            StartPlan plan = MemberLifecycle.atStart(self(0), CONFIGURED, healthy, Status.VALID);
            assertThat(plan.action()).isEqualTo(Action.KEEP);
            assertThat(plan.clusterState()).isEqualTo(ClusterState.EXISTING);
            assertThat(plan.initialCluster()).isEqualTo("etcd-1=http://etcd-1:2380,etcd-2=http://etcd-2:2380,etcd-0=http://etcd-0:2380");
        }

        @Test
        void aListedMemberWithValidDataStartsEvenWithoutQuorumBecauseItsVoteIsNeeded() {
            ClusterView oneOfThree = cluster(List.of(voter(0), voter(1), voter(2)), -1, 1);
            StartPlan plan = MemberLifecycle.atStart(self(0), CONFIGURED, oneOfThree, Status.VALID);
            assertThat(plan.action()).isEqualTo(Action.KEEP);
            assertThat(plan.reason()).contains("no quorum");
        }

        @Test
        void aMemberMissingFromAHealthyClusterJoinsAsALearnerWithTheListTrimmedToTheMembersPlusItself() {
            ClusterView threeMembers = cluster(List.of(voter(0), voter(1), voter(2)), 0, 0, 1, 2);
            StartPlan plan = MemberLifecycle.atStart(self(3), CONFIGURED, threeMembers, Status.MISSING);
            assertThat(plan.action()).isEqualTo(Action.JOIN);
            assertThat(plan.clusterState()).isEqualTo(ClusterState.EXISTING);
            assertThat(plan.initialCluster()).isEqualTo(
                    "etcd-0=http://etcd-0:2380,etcd-1=http://etcd-1:2380,etcd-2=http://etcd-2:2380,etcd-3=http://etcd-3:2380");
        }

        @Test
        void aJoiningMemberWaitsWhileAnotherLearnerCatchesUpInsteadOfFailing() {
            ClusterView withLearner = cluster(List.of(voter(0), voter(1), voter(2), learner(3)), 0, 0, 1, 2, 3);
            StartPlan plan = MemberLifecycle.atStart(self(4), CONFIGURED, withLearner, Status.EMPTY);
            assertThat(plan.action()).isEqualTo(Action.WAIT);
            assertThat(plan.reason()).contains("one learner at a time", "etcd-3 (learner)");
        }

        @Test
        void aMemberAlreadyAddedButNeverStartedCountsAsAddedAndStartsEmpty() {
            ClusterView added = cluster(List.of(voter(0), voter(1), voter(2), unstarted(3)), 0, 0, 1, 2);
            StartPlan plan = MemberLifecycle.atStart(self(3), CONFIGURED, added, Status.INVALID);
            assertThat(plan.action()).isEqualTo(Action.RESUME_JOIN);
            assertThat(plan.initialCluster()).endsWith(",etcd-3=http://etcd-3:2380").doesNotContain("unstarted");
        }

        @Test
        void anotherUnstartedMemberAppearsInTheInitialClusterUnderAStandInName() {
            ClusterView added = cluster(List.of(voter(0), voter(1), voter(2), unstarted(3)), 0, 0, 1, 2);
            StartPlan plan = MemberLifecycle.atStart(self(4), CONFIGURED, added, Status.MISSING);
            assertThat(plan.action()).isEqualTo(Action.WAIT);
            assertThat(plan.initialCluster()).contains("unstarted-0000000000000067=http://etcd-3:2380");
        }

        @Test
        void aListedMemberThatLostItsDataInAClusterWithQuorumIsRemovedAndRejoinsNeverRestored() {
            ClusterView twoOfThree = cluster(List.of(voter(0), voter(1), voter(2)), 1, 1, 2);
            for (Status lost : List.of(Status.MISSING, Status.EMPTY, Status.INVALID)) {
                StartPlan plan = MemberLifecycle.atStart(self(0), CONFIGURED, twoOfThree, lost);
                assertThat(plan.action()).isEqualTo(Action.REJOIN);
                assertThat(plan.removeFirst()).hasValue(100);
                assertThat(plan.clusterState()).isEqualTo(ClusterState.EXISTING);
                assertThat(plan.initialCluster()).isEqualTo("etcd-1=http://etcd-1:2380,etcd-2=http://etcd-2:2380,etcd-0=http://etcd-0:2380");
                assertThat(plan.reason()).contains("never restored over a running cluster");
            }
        }

        @Test
        void aLearnerThatLostItsDataRejoinsToo() {
            ClusterView withLearner = cluster(List.of(voter(0), voter(1), voter(2), learner(3)), 0, 0, 1, 2);
            assertThat(MemberLifecycle.atStart(self(3), CONFIGURED, withLearner, Status.EMPTY).action()).isEqualTo(Action.REJOIN);
        }

        @Test
        void aMemberThatLostItsDataWaitsForAnotherLearnerBeforeItIsRemoved() {
            ClusterView withLearner = cluster(List.of(voter(0), voter(1), voter(2), learner(3)), 1, 1, 2, 3);
            StartPlan plan = MemberLifecycle.atStart(self(0), CONFIGURED, withLearner, Status.INVALID);
            assertThat(plan.action()).isEqualTo(Action.WAIT);
        }

        @Test
        void withoutQuorumNoMembershipChangeIsAttemptedAndNoNewClusterIsStarted() {
            ClusterView oneOfThree = cluster(List.of(voter(0), voter(1), voter(2)), -1, 1);
            for (MemberSpec member : List.of(self(0), self(3))) {
                StartPlan plan = MemberLifecycle.atStart(member, CONFIGURED, oneOfThree, Status.EMPTY);
                assertThat(plan.action()).isEqualTo(Action.WAIT);
                assertThat(plan.clusterState()).isEqualTo(ClusterState.EXISTING);
                assertThat(plan.reason()).contains("no quorum");
            }
        }
    }

    @Nested
    class WhileEtcdRuns {

        private RunningPlan plan(MemberSpec self, ClusterView cluster, Integer desired, boolean aside, Map<Long, Duration> gone) {
            return MemberLifecycle.whileRunning(self, cluster, desired == null ? OptionalInt.empty() : OptionalInt.of(desired), aside, gone, GRACE);
        }

        @Test
        void aLearnerIsPromotedByItsOwnAgent() {
            ClusterView withLearner = cluster(List.of(voter(0), voter(1), voter(2), learner(3)), 0, 0, 1, 2, 3);
            assertThat(plan(self(3), withLearner, null, false, Map.of()).steps()).containsExactly(new RunningStep.PromoteSelf(103));
            assertThat(plan(self(0), withLearner, null, false, Map.of()).steps()).isEmpty();
        }

        @Test
        void dataMovedAsideForARejoinIsDeletedOnceTheMemberVotesAgain() {
            ClusterView healthy = cluster(List.of(voter(0), voter(1), voter(2)), 1, 0, 1, 2);
            assertThat(plan(self(0), healthy, null, true, Map.of()).steps()).containsExactly(new RunningStep.DeleteAsideData());
            ClusterView stillLearning = cluster(List.of(learner(0), voter(1), voter(2)), 1, 0, 1, 2);
            assertThat(plan(self(0), stillLearning, null, true, Map.of()).steps()).containsExactly(new RunningStep.PromoteSelf(100));
        }

        @Test
        void dataMovedAsideIsKeptWhileTheListStillNamesTheOldVotingEntryWhoseEtcdIsDown() {
            // The rejoin's init step removed the member and moved its data aside; a list read a moment
            // earlier still names it as a voter, but its etcd (killed, damaged) does not answer.
            ClusterView beforeTheRemoval = cluster(List.of(voter(0), voter(1), voter(2)), 1, 1, 2);
            assertThat(plan(self(0), beforeTheRemoval, null, true, Map.of()).steps()).isEmpty();
        }

        @Test
        void aChangedPeerUrlIsUpdated() {
            MemberSpec moved = new MemberSpec("etcd-0", List.of(URI.create("https://etcd-0:2380")));
            ClusterView healthy = cluster(List.of(voter(0), voter(1), voter(2)), 1, 0, 1, 2);
            assertThat(plan(moved, healthy, null, false, Map.of()).steps())
                    .containsExactly(new RunningStep.UpdatePeerUrls(100, List.of(URI.create("https://etcd-0:2380"))));
        }

        @Test
        void theLeadersAgentRemovesAGoneMemberBeyondTheDesiredSizeHighestOrdinalFirst() {
            ClusterView fiveWithTwoGone = cluster(List.of(voter(0), voter(1), voter(2), voter(3), voter(4)), 0, 0, 1, 2);
            Map<Long, Duration> gone = Map.of(103L, GRACE, 104L, GRACE.plusSeconds(5));
            assertThat(plan(self(0), fiveWithTwoGone, 3, false, gone).steps()).containsExactly(new RunningStep.RemoveMember(104, "etcd-4"));
            assertThat(plan(self(1), fiveWithTwoGone, 3, false, gone).steps()).as("only the leader's agent removes").isEmpty();
        }

        @Test
        void aMemberBeyondTheDesiredSizeIsKeptWhileItAnswersOrWithinTheGracePeriod() {
            ClusterView five = cluster(List.of(voter(0), voter(1), voter(2), voter(3), voter(4)), 0, 0, 1, 2, 3);
            assertThat(plan(self(0), five, 3, false, Map.of(104L, GRACE.minusSeconds(1))).steps()).isEmpty();
            assertThat(plan(self(0), five, 5, false, Map.of(104L, GRACE.plusSeconds(60))).steps()).as("within the desired size").isEmpty();
        }

        @Test
        void aRemovalThatWouldCostQuorumIsNotMade() {
            // 4 voters, 3 answer; removing a voter that answers is never asked; removing the gone one leaves 3 voters with 2 needed.
            ClusterView four = cluster(List.of(voter(0), voter(1), voter(2), voter(3)), 0, 0, 1, 2);
            assertThat(plan(self(0), four, 3, false, Map.of(103L, GRACE)).steps()).containsExactly(new RunningStep.RemoveMember(103, "etcd-3"));
            // 5 voters, 3 answer, desired 1: removing etcd-4 leaves 4 voters needing 3: allowed; but the answering ones are never removed.
            ClusterView five = cluster(List.of(voter(0), voter(1), voter(2), voter(3), voter(4)), 0, 0, 1, 2);
            assertThat(plan(self(0), five, 1, false, Map.of(103L, GRACE, 104L, GRACE)).steps())
                    .containsExactly(new RunningStep.RemoveMember(104, "etcd-4"));
        }

        @Test
        void quorumLostIsReportedWithTheSurvivorsAndNothingIsChanged() {
            ClusterView oneOfThree = cluster(List.of(voter(0), voter(1), voter(2)), -1, 0);
            RunningPlan plan = plan(self(0), oneOfThree, 3, true, Map.of(101L, GRACE, 102L, GRACE));
            assertThat(plan.steps()).isEmpty();
            assertThat(plan.quorum()).isEqualTo(new Quorum(Quorum.State.LOST, 3, 1, List.of("etcd-0")));
        }

        @Test
        void aLocalMemberThatDoesNotAnswerLeavesQuorumUnknown() {
            assertThat(plan(self(0), SILENT, 3, false, Map.of()).quorum().state()).isEqualTo(Quorum.State.UNKNOWN);
        }
    }
}
