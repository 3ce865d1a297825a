package io.etcdbackup.agent.lifecycle;

import io.etcdbackup.agent.testing.ManualClock;
import io.etcdbackup.agent.lifecycle.FakeEtcdMembership.Change;
import io.etcdbackup.agent.lifecycle.MemberReport.Promotion;
import io.etcdbackup.agent.lifecycle.RunningPlan.Quorum;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What {@code server --service-endpoints} changes round after round, and what it reports: against
 * an in-memory member list ({@link FakeEtcdMembership}) and a clock the test moves between rounds.
 * The decisions themselves are MemberLifecycleTest's; the same behaviour on real etcd: MemberLifecycleIT.
 */
class MemberReconcilerTest {

    private static final Instant T0 = Instant.parse("2026-12-01T08:00:00Z");
    private static final MemberSpec SELF = new MemberSpec("etcd-0", List.of(FakeEtcdMembership.peer("etcd-0")));
    private static final String NOT_CAUGHT_UP = "etcdserver: can only promote a learner member which is in sync with leader";
    private static final Duration GRACE = Duration.ofSeconds(30);
    private static final long ID_0 = 100;
    private static final long ID_1 = 101;
    private static final long ID_2 = 102;
    private static final long ID_3 = 103;

    @TempDir
    Path dir;

    private final ManualClock clock = new ManualClock(T0);
    private final FakeEtcdMembership cluster = new FakeEtcdMembership();

    private MemberReconciler reconciler(OptionalInt clusterSize, Duration grace, Optional<AsideData> aside) {
        return new MemberReconciler(cluster, SELF, () -> clusterSize, aside, grace, () -> OptionalLong.of(4242), clock);
    }

    private MemberReconciler reconciler() {
        return reconciler(OptionalInt.of(3), GRACE, Optional.empty());
    }

    /** This member (etcd-0) a learner beside the voters etcd-1 (leader) and etcd-2. */
    private FakeEtcdMembership learnerBesideTwoVoters() {
        return cluster.learner(ID_0, "etcd-0").voter(ID_1, "etcd-1").voter(ID_2, "etcd-2").leader(ID_1);
    }

    /** etcd-0 (this member) leads etcd-0..etcd-3; etcd-3 lies beyond a cluster size of 3 and its pod is gone. */
    private FakeEtcdMembership leaderWithAGoneFourthMember() {
        return cluster.voter(ID_0, "etcd-0").voter(ID_1, "etcd-1").voter(ID_2, "etcd-2").voter(ID_3, "etcd-3").leader(ID_0).unreachable(ID_3);
    }

    private void advance(Duration duration) {
        clock.advance(duration);
    }

    @Test
    void aLearnerIsPromotedWithABackoffDoublingFromOneSecondToThirtyWhileEtcdRefuses() {
        learnerBesideTwoVoters().learnerProgress(0.75).refuseAlways(Change.PROMOTE, true, NOT_CAUGHT_UP);
        MemberReconciler reconciler = reconciler();
        List<Duration> backoffs = new ArrayList<>();

        for (int attempt = 1; attempt <= 7; attempt++) {
            reconciler.reconcile();
            MemberReport report = reconciler.report();
            Promotion promotion = report.promotion().orElseThrow();
            assertThat(promotion.attempts()).isEqualTo(attempt);
            assertThat(promotion.lastRefusal()).contains(NOT_CAUGHT_UP);
            assertThat(promotion.caughtUp()).hasValue(0.75);
            assertThat(report.member()).contains("etcd-0 (learner)");
            assertThat(report.lastError()).as("a learner still catching up is no error").isEmpty();
            Duration backoff = Duration.between(clock.instant(), promotion.nextAttempt());
            backoffs.add(backoff);

            advance(backoff.minusMillis(1));
            reconciler.reconcile(); // too early: etcd is not asked
            assertThat(cluster.changes()).hasSize(attempt);
            assertThat(reconciler.report().promotion()).contains(promotion);
            advance(Duration.ofMillis(1));
        }

        assertThat(backoffs).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4), Duration.ofSeconds(8),
                Duration.ofSeconds(16), Duration.ofSeconds(30), Duration.ofSeconds(30));
        assertThat(cluster.changes()).allMatch(change -> change.equals("promote 100 refused"));
    }

    @Test
    void aPromotionThatSucceedsEndsTheProgressReportAndIsTheLastChange() {
        learnerBesideTwoVoters().refuseNext(Change.PROMOTE, true, NOT_CAUGHT_UP);
        MemberReconciler reconciler = reconciler();
        reconciler.reconcile();
        assertThat(reconciler.report().promotion()).isPresent();

        advance(Duration.ofSeconds(1));
        reconciler.reconcile();

        assertThat(cluster.changes()).containsExactly("promote 100 refused", "promote 100");
        assertThat(reconciler.report().promotion()).isEmpty();
        assertThat(reconciler.report().lastChange())
                .contains(T0.plusSeconds(1) + " promoted etcd-0 from learner to voter after 2 attempt(s)");

        advance(Duration.ofSeconds(5));
        reconciler.reconcile();
        assertThat(reconciler.report().member()).contains("etcd-0");
        assertThat(cluster.changes()).hasSize(2);
    }

    @Test
    void aPromotionEtcdRefusesForGoodIsTheLastErrorAndStillRetriedWithBackoff() {
        learnerBesideTwoVoters().refuseAlways(Change.PROMOTE, false, "etcdserver: permission denied");
        MemberReconciler reconciler = reconciler();

        reconciler.reconcile();

        assertThat(reconciler.report().lastError()).contains(T0 + " etcdserver: permission denied");
        assertThat(reconciler.report().promotion().orElseThrow().nextAttempt()).isEqualTo(T0.plusSeconds(1));
    }

    @Test
    void theDataMovedAsideIsKeptWhileTheMemberIsALearnerAndDeletedOnceItVotes() throws IOException {
        Path dataDir = dir.resolve("etcd-0");
        AsideData aside = new AsideData(dataDir);
        Files.createDirectories(aside.location().resolve("member"));
        Files.writeString(aside.location().resolve("member/old-data"), "the member's old data");
        learnerBesideTwoVoters().refuseNext(Change.PROMOTE, true, NOT_CAUGHT_UP);
        MemberReconciler reconciler = reconciler(OptionalInt.of(3), GRACE, Optional.of(aside));

        reconciler.reconcile(); // refused
        assertThat(aside.exists()).isTrue();
        advance(Duration.ofSeconds(1));
        reconciler.reconcile(); // promoted: this round saw a learner
        assertThat(aside.exists()).isTrue();

        advance(Duration.ofSeconds(1));
        reconciler.reconcile();

        assertThat(aside.exists()).isFalse();
        assertThat(reconciler.report().lastChange()).hasValueSatisfying(change -> assertThat(change)
                .startsWith(T0.plusSeconds(2) + " deleted the data moved aside for the rejoin (" + aside.location() + ")"));
    }

    @Test
    void aMemberBeyondTheClusterSizeIsRemovedOnlyOnceItHasBeenUnreachableForTheGracePeriodAcrossRounds() {
        leaderWithAGoneFourthMember();
        MemberReconciler reconciler = reconciler();

        reconciler.reconcile();
        advance(Duration.ofSeconds(20));
        reconciler.reconcile();
        assertThat(cluster.changes()).isEmpty();

        advance(Duration.ofSeconds(10));
        reconciler.reconcile();

        assertThat(cluster.changes()).containsExactly("remove 103");
        assertThat(reconciler.report().lastChange())
                .contains(T0.plusSeconds(30) + " removed etcd-3: beyond the desired size 3 and gone for more than 30 s");
        advance(Duration.ofSeconds(60));
        reconciler.reconcile();
        assertThat(cluster.changes()).hasSize(1);
    }

    @Test
    void aMemberThatAnswersAgainStartsItsGracePeriodOver() {
        leaderWithAGoneFourthMember();
        MemberReconciler reconciler = reconciler();
        reconciler.reconcile();
        advance(Duration.ofSeconds(20));
        cluster.answersAgain(ID_3);
        reconciler.reconcile();
        advance(Duration.ofSeconds(20));
        cluster.unreachable(ID_3);
        reconciler.reconcile(); // gone since T0+40 s

        advance(Duration.ofSeconds(20));
        reconciler.reconcile();
        assertThat(cluster.changes()).as("gone for 20 s of the 60 s since the first round").isEmpty();

        advance(Duration.ofSeconds(10));
        reconciler.reconcile();
        assertThat(cluster.changes()).containsExactly("remove 103");
    }

    @Test
    void withoutAClusterSizeNoMemberIsEverRemoved() {
        leaderWithAGoneFourthMember();
        MemberReconciler reconciler = reconciler(OptionalInt.empty(), GRACE, Optional.empty());
        reconciler.reconcile();
        advance(Duration.ofHours(1));
        reconciler.reconcile();
        assertThat(cluster.changes()).isEmpty();
    }

    @Test
    void lostQuorumIsReportedWithARunbookNamingTheSurvivorsAndTheNewestBackedUpRevision() {
        cluster.voter(ID_0, "etcd-0").voter(ID_1, "etcd-1").voter(ID_2, "etcd-2").unreachable(ID_1).unreachable(ID_2).noLeader();
        MemberReconciler reconciler = reconciler(OptionalInt.of(3), Duration.ZERO, Optional.empty());

        reconciler.reconcile();

        MemberReport report = reconciler.report();
        assertThat(report.quorum()).isEqualTo(new Quorum(Quorum.State.LOST, 3, 1, List.of("etcd-0")));
        assertThat(report.runbook()).hasValueSatisfying(runbook -> assertThat(runbook)
                .startsWith("quorum lost: 1 of 3 voters answer (etcd-0).")
                .contains("Do not start a new cluster from a survivor")
                .contains("restore the whole cluster from the newest backup (revision 4242)"));
        assertThat(cluster.changes()).as("nothing is changed without quorum, not even members beyond the size").isEmpty();

        cluster.answersAgain(ID_1).leader(ID_1);
        advance(Duration.ofSeconds(5));
        reconciler.reconcile();
        assertThat(reconciler.report().quorum().state()).isEqualTo(Quorum.State.HELD);
        assertThat(reconciler.report().runbook()).isEmpty();
    }

    @Test
    void aClusterThatDoesNotAnswerIsReportedAsUnknownQuorum() {
        cluster.silent();
        MemberReconciler reconciler = reconciler();

        reconciler.reconcile();

        assertThat(reconciler.report().quorum().state()).isEqualTo(Quorum.State.UNKNOWN);
        assertThat(reconciler.report().member()).isEmpty();
        assertThat(reconciler.report().observedAt()).isEqualTo(T0);
    }

    @Test
    void aFailingChangeIsTheLastErrorAndTheRestOfTheRoundStillRuns() {
        cluster.voter(ID_0, "etcd-0", URI.create("http://10.0.0.7:2380")).voter(ID_1, "etcd-1").voter(ID_2, "etcd-2")
                .voter(ID_3, "etcd-3").leader(ID_0).unreachable(ID_3)
                .refuseAlways(Change.UPDATE_PEER_URLS, false, "etcdserver: permission denied");
        MemberReconciler reconciler = reconciler(OptionalInt.of(3), Duration.ZERO, Optional.empty());

        reconciler.reconcile();

        assertThat(cluster.changes()).containsExactly("updatePeerUrls 100 http://etcd-0:2380 refused", "remove 103");
        assertThat(reconciler.report().lastError()).contains(T0 + " etcdserver: permission denied");
        assertThat(reconciler.report().lastChange()).hasValueSatisfying(change -> assertThat(change).contains("removed etcd-3"));
    }

    @Test
    void peerUrlsThatDifferFromWhatTheMemberAdvertisesAreUpdated() {
        cluster.voter(ID_0, "etcd-0", URI.create("http://10.0.0.7:2380")).voter(ID_1, "etcd-1").voter(ID_2, "etcd-2").leader(ID_1);
        MemberReconciler reconciler = reconciler();

        reconciler.reconcile();
        reconciler.reconcile();

        assertThat(cluster.changes()).containsExactly("updatePeerUrls 100 http://etcd-0:2380");
        assertThat(reconciler.report().lastChange()).contains(T0 + " updated etcd-0's peer URLs to [http://etcd-0:2380]");
    }

    @Test
    void closingTheReconcilerClosesItsMembership() {
        reconciler().close();
        assertThat(cluster.closed()).isTrue();
    }
}
