package io.etcdbackup.snapshot.maintenance;

import io.etcdbackup.snapshot.etcd.EtcdUnavailableException;
import io.etcdbackup.snapshot.maintenance.ClusterMaintenance.Member;
import io.etcdbackup.snapshot.maintenance.ClusterMaintenance.Status;
import io.etcdbackup.snapshot.maintenance.MemberDefrag.Outcome;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The order and failure rules of {@link ClusterDefragmenter}, against a fake cluster. */
class ClusterDefragmenterTest {

    private static final Duration TIMEOUT = Duration.ofMinutes(8);

    @Test
    void defragmentsFollowersByNameThenTheLeaderLast() {
        FakeCluster etcd = new FakeCluster().voter("m0", 1).voter("m1", 2).voter("m2", 3).leader(1);

        DefragReport report = defragmenter(etcd).defragment();

        assertThat(etcd.defragmented).containsExactly("m1", "m2", "m0");
        assertThat(report.succeeded()).isTrue();
        assertThat(report.abortReason()).isEmpty();
        assertThat(report.members()).extracting(MemberDefrag::name).containsExactly("m1", "m2", "m0");
        assertThat(report.members()).extracting(MemberDefrag::role)
                .containsExactly(MemberRole.FOLLOWER, MemberRole.FOLLOWER, MemberRole.LEADER);
        assertThat(report.members().get(2).wasLeader()).isTrue();
        for (MemberDefrag member : report.members()) {
            assertThat(member.outcome()).isEqualTo(Outcome.DEFRAGMENTED);
            assertThat(member.sizeBefore()).isEqualTo(FakeCluster.SIZE);
            assertThat(member.sizeAfter()).isEqualTo(FakeCluster.IN_USE);
            assertThat(member.endpoint()).contains(FakeCluster.url(member.name()));
            assertThat(member.error()).isEmpty();
        }
        assertThat(report.reclaimedBytes()).isEqualTo(3 * (FakeCluster.SIZE - FakeCluster.IN_USE));
        // The ticking clock makes the turns' start times strictly increasing, in handling order.
        assertThat(report.members().get(0).startedAt()).isBefore(report.members().get(1).startedAt());
        assertThat(report.members().get(1).startedAt()).isBefore(report.members().get(2).startedAt());
        assertThat(report.members()).allSatisfy(m -> assertThat(m.duration()).isPositive());
        assertThat(etcd.timeouts).containsOnly(TIMEOUT);
        assertThat(etcd.closed).isTrue();
    }

    @Test
    void learnersGoFirstThenFollowersThenTheLeader() {
        FakeCluster etcd = new FakeCluster().voter("a", 1).voter("b", 2).voter("c", 3).learner("z", 4).leader(2);

        DefragReport report = defragmenter(etcd).defragment();

        assertThat(etcd.defragmented).containsExactly("z", "a", "c", "b");
        assertThat(report.members()).extracting(MemberDefrag::role)
                .containsExactly(MemberRole.LEARNER, MemberRole.FOLLOWER, MemberRole.FOLLOWER, MemberRole.LEADER);
        assertThat(report.succeeded()).isTrue();
    }

    @Test
    void aSingleMemberIsItsOwnLeaderAndIsDefragmented() {
        FakeCluster etcd = new FakeCluster().voter("solo", 7).leader(7);

        DefragReport report = defragmenter(etcd).defragment();

        assertThat(etcd.defragmented).containsExactly("solo");
        assertThat(report.members().get(0).wasLeader()).isTrue();
        assertThat(report.succeeded()).isTrue();
    }

    @Test
    void aFailedFollowerStopsTheRunAndTheLeaderIsNotTouched() {
        FakeCluster etcd = new FakeCluster().voter("m0", 1).voter("m1", 2).voter("m2", 3).leader(1);
        etcd.failDefrag.put("m1", "DEADLINE_EXCEEDED");

        DefragReport report = defragmenter(etcd).defragment();

        assertThat(etcd.defragmentCalls).containsExactly("m1");
        assertThat(report.succeeded()).isFalse();
        assertThat(report.abortReason()).hasValueSatisfying(r -> assertThat(r).contains("'m1'").contains("DEADLINE_EXCEEDED"));
        assertThat(report.members()).extracting(MemberDefrag::name, MemberDefrag::outcome).containsExactly(
                org.assertj.core.groups.Tuple.tuple("m1", Outcome.FAILED),
                org.assertj.core.groups.Tuple.tuple("m2", Outcome.SKIPPED),
                org.assertj.core.groups.Tuple.tuple("m0", Outcome.SKIPPED));
        MemberDefrag failed = report.members().get(0);
        assertThat(failed.sizeBefore()).isEqualTo(FakeCluster.SIZE);
        assertThat(failed.sizeAfter()).isEqualTo(-1);
        assertThat(failed.error()).hasValueSatisfying(e -> assertThat(e).contains("DEADLINE_EXCEEDED"));
        assertThat(report.members().get(2).role()).isEqualTo(MemberRole.LEADER);
        assertThat(report.members().get(2).error()).hasValueSatisfying(e -> assertThat(e).startsWith("not attempted"));
    }

    @Test
    void aFollowerThatStopsAnsweringAtItsTurnAlsoStopsTheRun() {
        FakeCluster etcd = new FakeCluster().voter("m0", 1).voter("m1", 2).voter("m2", 3).leader(3);
        etcd.statusFailsAfterCalls.put("m1", 1); // answers the health check, then no more

        DefragReport report = defragmenter(etcd).defragment();

        assertThat(etcd.defragmentCalls).containsExactly("m0");
        assertThat(report.members()).extracting(MemberDefrag::outcome)
                .containsExactly(Outcome.DEFRAGMENTED, Outcome.FAILED, Outcome.SKIPPED);
        assertThat(report.members().get(1).error()).hasValueSatisfying(e -> assertThat(e).startsWith("status before defragmenting"));
        assertThat(report.members().get(2).name()).isEqualTo("m2");
        assertThat(report.members().get(2).role()).isEqualTo(MemberRole.LEADER);
    }

    @Test
    void aMemberThatDoesNotAnswerAfterDefragmentingCountsAsFailed() {
        FakeCluster etcd = new FakeCluster().voter("m0", 1).voter("m1", 2).leader(1);
        etcd.statusFailsAfterCalls.put("m1", 2); // health check, before; not after

        DefragReport report = defragmenter(etcd).defragment();

        assertThat(etcd.defragmentCalls).containsExactly("m1");
        assertThat(report.members().get(0).outcome()).isEqualTo(Outcome.FAILED);
        assertThat(report.members().get(0).error()).hasValueSatisfying(e -> assertThat(e).contains("did not answer its status afterwards"));
        assertThat(report.members().get(1).outcome()).isEqualTo(Outcome.SKIPPED);
    }

    @Test
    void aFailedLearnerIsReportedAndTheRunGoesOn() {
        FakeCluster etcd = new FakeCluster().voter("m0", 1).voter("m1", 2).voter("m2", 3).learner("m3", 4).leader(2);
        etcd.failDefrag.put("m3", "boom");

        DefragReport report = defragmenter(etcd).defragment();

        assertThat(etcd.defragmented).containsExactly("m0", "m2", "m1");
        assertThat(report.members()).extracting(MemberDefrag::outcome)
                .containsExactly(Outcome.FAILED, Outcome.DEFRAGMENTED, Outcome.DEFRAGMENTED, Outcome.DEFRAGMENTED);
        assertThat(report.abortReason()).isEmpty();
        assertThat(report.succeeded()).isFalse();
    }

    @Test
    void anUnreachableOrUnstartedLearnerIsSkippedWithoutBlockingTheRun() {
        FakeCluster etcd = new FakeCluster().voter("m0", 1).voter("m1", 2).learner("new", 3).leader(1);
        etcd.unstarted.add("new");

        DefragReport report = defragmenter(etcd).defragment();

        assertThat(etcd.defragmented).containsExactly("m1", "m0");
        MemberDefrag learner = report.members().get(0);
        assertThat(learner.outcome()).isEqualTo(Outcome.SKIPPED);
        assertThat(learner.role()).isEqualTo(MemberRole.LEARNER);
        assertThat(learner.endpoint()).isEmpty();
        assertThat(learner.error()).hasValueSatisfying(e -> assertThat(e).contains("has not started"));
        assertThat(report.abortReason()).isEmpty();
    }

    @Test
    void nothingIsDefragmentedWhenAVotingMemberDoesNotAnswer() {
        FakeCluster etcd = new FakeCluster().voter("m0", 1).voter("m1", 2).voter("m2", 3).leader(1);
        etcd.statusFailsAfterCalls.put("m2", 0);

        DefragReport report = defragmenter(etcd).defragment();

        assertThat(etcd.defragmentCalls).isEmpty();
        assertThat(report.members()).hasSize(3).allSatisfy(m -> assertThat(m.outcome()).isEqualTo(Outcome.SKIPPED));
        assertThat(report.abortReason()).hasValueSatisfying(r -> assertThat(r).startsWith("cluster not healthy").contains("'m2'"));
        assertThat(report.members()).filteredOn(MemberDefrag::wasLeader).extracting(MemberDefrag::name).containsExactly("m0");
    }

    @Test
    void nothingIsDefragmentedWhenTheMembersDoNotAgreeOnALeader() {
        FakeCluster etcd = new FakeCluster().voter("m0", 1).voter("m1", 2).voter("m2", 3).leader(1);
        etcd.leaderSeenBy.put("m2", 0L); // m2 has no leader (election in progress)

        DefragReport report = defragmenter(etcd).defragment();

        assertThat(etcd.defragmentCalls).isEmpty();
        assertThat(report.abortReason()).hasValueSatisfying(r -> assertThat(r).contains("do not agree on a leader"));
    }

    @Test
    void aMemberThatBecameTheLeaderDuringTheRunIsMovedToTheEnd() {
        FakeCluster etcd = new FakeCluster().voter("m0", 1).voter("m1", 2).voter("m2", 3).leader(1);
        etcd.afterDefrag = name -> {
            if (name.equals("m1")) {
                etcd.leader(3); // leadership moves to m2, not yet defragmented
            }
        };

        DefragReport report = defragmenter(etcd).defragment();

        assertThat(etcd.defragmented).containsExactly("m1", "m0", "m2");
        assertThat(report.members()).extracting(MemberDefrag::name, MemberDefrag::role).containsExactly(
                org.assertj.core.groups.Tuple.tuple("m1", MemberRole.FOLLOWER),
                org.assertj.core.groups.Tuple.tuple("m0", MemberRole.FOLLOWER),
                org.assertj.core.groups.Tuple.tuple("m2", MemberRole.LEADER));
        assertThat(report.succeeded()).isTrue();
    }

    @Test
    void anUnreadableMemberListIsAnEtcdUnavailableException() {
        FakeCluster etcd = new FakeCluster().voter("m0", 1).leader(1);
        etcd.memberListFails = true;

        assertThatThrownBy(() -> defragmenter(etcd).defragment())
                .isInstanceOf(EtcdUnavailableException.class).hasMessageContaining("member list");
        assertThat(etcd.closed).isTrue();
    }

    @Test
    void theTimeoutMustBePositive() {
        assertThatThrownBy(() -> new ClusterDefragmenter(FakeCluster::new, Duration.ZERO, Clock.systemUTC()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("positive");
    }

    private static ClusterDefragmenter defragmenter(FakeCluster etcd) {
        return new ClusterDefragmenter(() -> etcd, TIMEOUT, new TickingClock());
    }

    /** A clock that moves one second on every reading. */
    private static final class TickingClock extends Clock {
        private Instant now = Instant.parse("2026-11-22T00:00:00Z");

        @Override
        public Instant instant() {
            now = now.plusSeconds(1);
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this; // always UTC: the defragmenter only reads instants
        }
    }

    /** A cluster in memory: members, who leads, sizes, and failures to inject. */
    private static final class FakeCluster implements ClusterMaintenance {
        static final long SIZE = 100_000;
        static final long IN_USE = 40_000;

        final Map<String, Member> members = new LinkedHashMap<>();
        final Map<String, Long> sizes = new HashMap<>();
        final Map<String, String> failDefrag = new HashMap<>();
        /** Status answers this many times, then throws. */
        final Map<String, Integer> statusFailsAfterCalls = new HashMap<>();
        final Map<String, Integer> statusCalls = new HashMap<>();
        final Map<String, Long> leaderSeenBy = new HashMap<>();
        final Set<String> unstarted = new HashSet<>();
        final List<String> defragmentCalls = new ArrayList<>();
        final List<String> defragmented = new ArrayList<>();
        final List<Duration> timeouts = new ArrayList<>();
        java.util.function.Consumer<String> afterDefrag = name -> { };
        long leaderId;
        boolean memberListFails;
        boolean closed;

        static URI url(String name) {
            return URI.create("http://" + name + ":2379");
        }

        FakeCluster voter(String name, long id) {
            return add(name, id, false);
        }

        FakeCluster learner(String name, long id) {
            return add(name, id, true);
        }

        private FakeCluster add(String name, long id, boolean learner) {
            members.put(name, new Member(id, name, Optional.of(url(name)), learner));
            sizes.put(name, SIZE);
            return this;
        }

        FakeCluster leader(long id) {
            leaderId = id;
            return this;
        }

        @Override
        public List<Member> members() {
            if (memberListFails) {
                throw new IllegalStateException("could not list the members: UNAVAILABLE");
            }
            return members.values().stream()
                    .map(m -> unstarted.contains(m.name()) ? new Member(m.id(), "", Optional.empty(), m.learner()) : m)
                    .toList();
        }

        private Member byUrl(URI endpoint) {
            return members.values().stream().filter(m -> m.clientUrl().orElseThrow().equals(endpoint)).findFirst().orElseThrow();
        }

        @Override
        public Status status(URI endpoint) {
            Member member = byUrl(endpoint);
            int calls = statusCalls.merge(member.name(), 1, Integer::sum);
            if (calls > statusFailsAfterCalls.getOrDefault(member.name(), Integer.MAX_VALUE)) {
                throw new IllegalStateException("could not read the status of " + endpoint + ": UNAVAILABLE");
            }
            long leader = leaderSeenBy.getOrDefault(member.name(), leaderId);
            return new Status(member.id(), leader, sizes.get(member.name()), IN_USE, member.learner());
        }

        @Override
        public void defragment(URI endpoint, Duration timeout) {
            Member member = byUrl(endpoint);
            defragmentCalls.add(member.name());
            timeouts.add(timeout);
            String failure = failDefrag.get(member.name());
            if (failure != null) {
                throw new IllegalStateException("could not defragment " + endpoint + ": " + failure);
            }
            sizes.put(member.name(), IN_USE);
            defragmented.add(member.name());
            afterDefrag.accept(member.name());
        }

        @Override
        public void close() {
            closed = true;
        }
    }
}
