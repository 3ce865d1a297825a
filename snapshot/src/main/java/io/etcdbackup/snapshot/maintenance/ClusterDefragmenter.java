package io.etcdbackup.snapshot.maintenance;

import io.etcdbackup.snapshot.etcd.EtcdClients;
import io.etcdbackup.snapshot.etcd.EtcdUnavailableException;
import io.etcdbackup.snapshot.maintenance.ClusterMaintenance.Member;
import io.etcdbackup.snapshot.maintenance.ClusterMaintenance.Status;
import io.etcdbackup.snapshot.maintenance.MemberDefrag.Outcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Defragments every member of an etcd cluster, one at a time: learners, then followers, then the
 * leader last. Each member is defragmented through its own advertised client URL.
 *
 * <p>Why this order and these rules: a member blocks its reads and writes while it defragments
 * (etcd 3.4 and 3.5), so members go one at a time and the cluster keeps its quorum; the leader
 * goes last because blocking it stalls every write and may cost an election, and by then the
 * followers have shown the procedure works on this data.
 *
 * <p>Rules, as an etcd operator expects them (and as etcdctl-based runbooks do it):
 * <ul>
 *   <li><b>Only a healthy cluster is defragmented.</b> Before anything is touched, every voting
 *   member must answer its status and all must name the same leader. Otherwise nothing is
 *   defragmented: every member is reported {@link Outcome#SKIPPED} and the report carries the
 *   reason. (A cluster already down one member would lose its quorum while another member
 *   defragments.) A learner that does not answer, or has not started, does not block the run: it
 *   is skipped.</li>
 *   <li><b>The first voting member that fails stops the run.</b> A failure means the member is
 *   unreachable, returned an error, or did not finish within the per-member timeout (etcd cannot
 *   cancel a defragmentation, so it may still be blocked). Defragmenting another member then could
 *   leave the cluster without a quorum, so every member after it, the leader included, is reported
 *   {@link Outcome#SKIPPED}. The next scheduled run tries again. A learner's failure is reported
 *   and the run goes on: a learner does not vote.</li>
 *   <li><b>A member must answer its status after defragmenting</b> (that is also where its new size
 *   comes from); if it does not, it counts as failed.</li>
 *   <li><b>The leader is whoever leads when its turn comes.</b> Roles are read again from each
 *   member's status just before it is defragmented; a member that became the leader during the
 *   run is moved to the end (once).</li>
 * </ul>
 *
 * <p>The caller decides when to run (the sidecar beside the leader, on a cron schedule; the
 * reference's default is {@code 0 0 *}{@code /3 * *}) and must not start two runs at once. The
 * reference takes a full snapshot after a successful run; that is also the caller's choice.
 * Thread-safe only in the sense that each {@link #defragment()} call is independent.
 */
public final class ClusterDefragmenter {

    /** The reference's default time one member may take. */
    public static final Duration DEFAULT_MEMBER_TIMEOUT = Duration.ofMinutes(8);
    /** How long listing the members and reading one member's status may take. */
    static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);

    private static final Logger LOG = LoggerFactory.getLogger(ClusterDefragmenter.class);

    private final Supplier<ClusterMaintenance> maintenance;
    private final Duration memberTimeout;
    private final Clock clock;

    /**
     * @param clients       how to reach the cluster; any reachable endpoint is enough to list the
     *                      members, every member's advertised client URL must be reachable from here
     * @param memberTimeout how long one member's defragmentation may take ({@link #DEFAULT_MEMBER_TIMEOUT})
     * @param clock         for the report's times
     */
    public ClusterDefragmenter(EtcdClients clients, Duration memberTimeout, Clock clock) {
        this(() -> new JetcdClusterMaintenance(Objects.requireNonNull(clients, "clients"), CALL_TIMEOUT), memberTimeout, clock);
    }

    ClusterDefragmenter(Supplier<ClusterMaintenance> maintenance, Duration memberTimeout, Clock clock) {
        this.maintenance = Objects.requireNonNull(maintenance, "maintenance");
        this.memberTimeout = Objects.requireNonNull(memberTimeout, "memberTimeout");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (memberTimeout.isNegative() || memberTimeout.isZero()) {
            throw new IllegalArgumentException("defragmentation timeout per member must be positive, got " + memberTimeout);
        }
    }

    /**
     * Runs once over the whole cluster, following the rules in the class comment. Failures of
     * single members are reported in the result, never thrown.
     *
     * @return every member with its outcome, in the order they were handled
     * @throws EtcdUnavailableException when the member list cannot be read at all
     */
    public DefragReport defragment() {
        Instant startedAt = clock.instant();
        try (ClusterMaintenance etcd = maintenance.get()) {
            List<Member> members;
            try {
                members = etcd.members();
            } catch (RuntimeException e) {
                throw new EtcdUnavailableException("cannot defragment: the etcd member list could not be read: " + e.getMessage(), e);
            }
            return new Run(etcd, startedAt).run(members);
        }
    }

    /** One run's state. */
    private final class Run {
        private final ClusterMaintenance etcd;
        private final Instant startedAt;
        private final List<MemberDefrag> results = new ArrayList<>();

        Run(ClusterMaintenance etcd, Instant startedAt) {
            this.etcd = etcd;
            this.startedAt = startedAt;
        }

        DefragReport run(List<Member> members) {
            LOG.info("defragmentation starting members={} member_timeout={}", members.size(), memberTimeout);
            // Health check: every voting member answers and all name the same, known leader.
            Map<Long, Status> statuses = new HashMap<>();
            Map<Long, String> unhealthy = new LinkedHashMap<>();
            List<Member> learnersSkipped = new ArrayList<>();
            Map<Long, String> learnerProblems = new HashMap<>();
            for (Member member : members) {
                Optional<String> problem = Optional.empty();
                if (member.clientUrl().isEmpty()) {
                    problem = Optional.of("has not started (advertises no client URL)");
                } else {
                    try {
                        statuses.put(member.id(), etcd.status(member.clientUrl().get()));
                    } catch (RuntimeException e) {
                        problem = Optional.of("does not answer: " + e.getMessage());
                    }
                }
                if (problem.isPresent()) {
                    if (member.learner()) {
                        learnersSkipped.add(member);
                        learnerProblems.put(member.id(), "learner " + problem.get());
                    } else {
                        unhealthy.put(member.id(), describe(member) + " " + problem.get());
                    }
                }
            }
            Set<Long> leaders = members.stream().filter(m -> !m.learner() && statuses.containsKey(m.id()))
                    .map(m -> statuses.get(m.id()).leaderId()).collect(Collectors.toSet());
            Set<Long> ids = members.stream().map(Member::id).collect(Collectors.toSet());
            if (unhealthy.isEmpty() && (leaders.size() != 1 || !ids.containsAll(leaders))) {
                unhealthy.put(0L, "the voting members do not agree on a leader (" + leaders.stream()
                        .map(Long::toHexString).sorted().collect(Collectors.joining(", ")) + ")");
            }
            if (!unhealthy.isEmpty()) {
                String reason = "cluster not healthy, nothing defragmented: " + String.join("; ", unhealthy.values());
                LOG.warn("defragmentation skipped reason=\"{}\"", reason);
                for (Member member : members) {
                    results.add(skipped(member, initialRole(member, statuses, -1), reason));
                }
                return report(Optional.of(reason));
            }
            long leaderId = leaders.iterator().next();

            Deque<Member> queue = new ArrayDeque<>();
            Comparator<Member> byName = Comparator.comparing(Member::name).thenComparingLong(Member::id);
            members.stream().filter(m -> m.learner() && !learnerProblems.containsKey(m.id())).sorted(byName).forEach(queue::add);
            members.stream().filter(m -> !m.learner() && m.id() != leaderId).sorted(byName).forEach(queue::add);
            members.stream().filter(m -> m.id() == leaderId).forEach(queue::add);
            for (Member learner : learnersSkipped) {
                results.add(skipped(learner, MemberRole.LEARNER, learnerProblems.get(learner.id())));
            }

            Set<Long> movedToEnd = new HashSet<>();
            Optional<String> abort = Optional.empty();
            while (!queue.isEmpty()) {
                Member member = queue.poll();
                if (abort.isPresent()) {
                    results.add(skipped(member, initialRole(member, statuses, leaderId), "not attempted: " + abort.get()));
                    continue;
                }
                if (Thread.currentThread().isInterrupted()) {
                    abort = Optional.of("the run was interrupted");
                    results.add(skipped(member, initialRole(member, statuses, leaderId), "not attempted: " + abort.get()));
                    continue;
                }
                Optional<MemberDefrag> result = defragmentOne(member, initialRole(member, statuses, leaderId),
                        !queue.isEmpty() && !movedToEnd.contains(member.id()));
                if (result.isEmpty()) { // it leads now and others remain: keep it for last
                    movedToEnd.add(member.id());
                    queue.addLast(member);
                    LOG.info("defragmentation member={} id={} became the leader; moved to the end", member.name(), Long.toHexString(member.id()));
                    continue;
                }
                results.add(result.get());
                if (result.get().outcome() == Outcome.FAILED && result.get().role() != MemberRole.LEARNER) {
                    abort = Optional.of("voting member " + describe(member) + " failed: " + result.get().error().orElse(""));
                }
            }
            return report(abort);
        }

        /** Defragments one member; empty when it turned out to lead and {@code deferLeader} is set. */
        private Optional<MemberDefrag> defragmentOne(Member member, MemberRole plannedRole, boolean deferLeader) {
            URI endpoint = member.clientUrl().orElseThrow();
            Instant turn = clock.instant();
            Status before;
            try {
                before = etcd.status(endpoint);
            } catch (RuntimeException e) {
                LOG.warn("defragmentation failed member={} id={} role={} error=\"status before defragmenting: {}\"",
                        member.name(), Long.toHexString(member.id()), plannedRole, e.getMessage(), e);
                return Optional.of(failed(member, plannedRole, turn, -1, Duration.ZERO, "status before defragmenting: " + e.getMessage()));
            }
            MemberRole role = role(member, before);
            if (role == MemberRole.LEADER && deferLeader) {
                return Optional.empty();
            }
            LOG.info("defragmenting member={} id={} role={} endpoint={} db_size={} db_size_in_use={}",
                    member.name(), Long.toHexString(member.id()), role, endpoint, before.dbSize(), before.dbSizeInUse());
            Instant start = clock.instant();
            try {
                etcd.defragment(endpoint, memberTimeout);
            } catch (RuntimeException e) {
                Duration took = Duration.between(start, clock.instant());
                LOG.warn("defragmentation failed member={} id={} role={} db_size_before={} duration_ms={} error=\"{}\"",
                        member.name(), Long.toHexString(member.id()), role, before.dbSize(), took.toMillis(), e.getMessage(), e);
                return Optional.of(failed(member, role, turn, before.dbSize(), took, e.getMessage()));
            }
            Duration took = Duration.between(start, clock.instant());
            Status after;
            try {
                after = etcd.status(endpoint);
            } catch (RuntimeException e) {
                LOG.warn("defragmented but not answering member={} id={} role={} duration_ms={} error=\"{}\"",
                        member.name(), Long.toHexString(member.id()), role, took.toMillis(), e.getMessage(), e);
                return Optional.of(failed(member, role, turn, before.dbSize(), took,
                        "defragmented, but did not answer its status afterwards: " + e.getMessage()));
            }
            LOG.info("defragmented member={} id={} role={} db_size_before={} db_size_after={} reclaimed_bytes={} duration_ms={}",
                    member.name(), Long.toHexString(member.id()), role, before.dbSize(), after.dbSize(),
                    Math.max(0, before.dbSize() - after.dbSize()), took.toMillis());
            return Optional.of(new MemberDefrag(member.name(), member.id(), role, Optional.of(endpoint), Outcome.DEFRAGMENTED,
                    before.dbSize(), after.dbSize(), turn, took, Optional.empty()));
        }

        private MemberDefrag failed(Member member, MemberRole role, Instant turn, long sizeBefore, Duration took, String error) {
            return new MemberDefrag(member.name(), member.id(), role, member.clientUrl(), Outcome.FAILED,
                    sizeBefore, -1, turn, took, Optional.of(error));
        }

        private MemberDefrag skipped(Member member, MemberRole role, String reason) {
            return new MemberDefrag(member.name(), member.id(), role, member.clientUrl(), Outcome.SKIPPED,
                    -1, -1, startedAt, Duration.ZERO, Optional.of(reason));
        }

        private DefragReport report(Optional<String> abort) {
            DefragReport report = new DefragReport(startedAt, clock.instant(), results, abort);
            LOG.info("defragmentation finished succeeded={} defragmented={} failed={} skipped={} reclaimed_bytes={} duration_ms={}{}",
                    report.succeeded(), report.withOutcome(Outcome.DEFRAGMENTED).size(), report.withOutcome(Outcome.FAILED).size(),
                    report.withOutcome(Outcome.SKIPPED).size(), report.reclaimedBytes(), report.duration().toMillis(),
                    abort.map(a -> " aborted=\"" + a + "\"").orElse(""));
            return report;
        }
    }

    private static MemberRole role(Member member, Status status) {
        if (member.learner() || status.learner()) {
            return MemberRole.LEARNER;
        }
        return status.memberId() == status.leaderId() ? MemberRole.LEADER : MemberRole.FOLLOWER;
    }

    private static MemberRole initialRole(Member member, Map<Long, Status> statuses, long leaderId) {
        if (member.learner()) {
            return MemberRole.LEARNER;
        }
        Status status = statuses.get(member.id());
        if (leaderId == -1 && status != null) {
            return role(member, status);
        }
        return member.id() == leaderId ? MemberRole.LEADER : MemberRole.FOLLOWER;
    }

    private static String describe(Member member) {
        return "'" + (member.name().isEmpty() ? "(unstarted)" : member.name()) + "' (" + Long.toHexString(member.id()) + ")";
    }
}
