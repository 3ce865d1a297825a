package io.etcdbackup.agent.lifecycle;

import io.etcdbackup.agent.lifecycle.MemberReport.Promotion;
import io.etcdbackup.agent.lifecycle.RunningPlan.Quorum;
import io.etcdbackup.agent.schedule.TaskScheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.function.Supplier;

/**
 * The reconciler while etcd runs (the sidecar with {@code --service-endpoints}): each
 * {@link #reconcile()} observes the cluster through the local member, asks
 * {@link MemberLifecycle#whileRunning}, makes the changes it asks for, and publishes a
 * {@link MemberReport}. Promotion is retried with backoff (1 s doubling to 30 s) while etcd refuses
 * a learner that has not caught up. Calls must not overlap (one scheduler thread). Closing it
 * closes its {@link EtcdMembership}.
 */
public final class MemberReconciler implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MemberReconciler.class);
    private static final Duration MAX_PROMOTION_BACKOFF = Duration.ofSeconds(30);

    private final EtcdMembership membership;
    private final MemberSpec self;
    private final Supplier<OptionalInt> desiredSize;
    private final Optional<AsideData> aside;
    private final Duration removalGrace;
    private final Supplier<OptionalLong> newestBackedUpRevision;
    private final Clock clock;
    private final Map<Long, Instant> unreachableSince = new HashMap<>();
    private volatile MemberReport report;
    private Promotion promotion;
    private Optional<String> lastChange = Optional.empty();
    private Optional<String> lastError = Optional.empty();
    private Quorum.State lastQuorum = Quorum.State.UNKNOWN;

    /**
     * @param membership             the cluster, observed through the local member; owned (closed with the reconciler)
     * @param self                   the member beside this agent
     * @param desiredSize            the desired number of voters, asked each round; empty: never scale down
     * @param aside                  where the data moved aside for a rejoin would be; empty without {@code --data-dir}
     * @param removalGrace           how long a member beyond the desired size must be gone before it is removed
     * @param newestBackedUpRevision the newest revision in the store, named in the quorum-loss runbook
     */
    public MemberReconciler(EtcdMembership membership, MemberSpec self, Supplier<OptionalInt> desiredSize, Optional<AsideData> aside,
                            Duration removalGrace, Supplier<OptionalLong> newestBackedUpRevision, Clock clock) {
        this.membership = membership;
        this.self = self;
        this.desiredSize = desiredSize;
        this.aside = aside;
        this.removalGrace = removalGrace;
        this.newestBackedUpRevision = newestBackedUpRevision;
        this.clock = clock;
        this.report = MemberReport.initial(clock.instant());
    }

    /**
     * Runs {@link #reconcile()} on {@code scheduler} now and then every {@code period} until the
     * scheduler closes; a round that throws is logged and the next one still comes.
     */
    public void runEvery(TaskScheduler scheduler, Duration period) {
        scheduler.now(() -> round(scheduler, period));
    }

    private void round(TaskScheduler scheduler, Duration period) {
        try {
            reconcile();
        } catch (RuntimeException e) {
            LOG.warn("member reconciliation round failed member={}", self.name(), e);
        } finally {
            scheduler.after(period, () -> round(scheduler, period));
        }
    }

    /** The last round's report. */
    public MemberReport report() {
        return report;
    }

    /** One round: observe, decide, change, report. Never throws for what etcd does. */
    public void reconcile() {
        Instant now = clock.instant();
        // Aside data is looked for before the cluster: the rejoin removes the member before it moves
        // the data aside, so a member list read after the data was seen cannot be the one from before.
        boolean asideData = aside.map(AsideData::exists).orElse(false);
        ClusterView cluster = membership.observe();
        Map<Long, Duration> unreachable = trackUnreachable(cluster, now);
        RunningPlan plan = MemberLifecycle.whileRunning(self, cluster, desiredSize.get(), asideData, unreachable, removalGrace);
        Optional<ClusterMember> entry = cluster.find(self);
        if (entry.isEmpty() || !entry.get().learner()) {
            promotion = null;
        }
        for (RunningStep step : plan.steps()) {
            carryOut(step, now);
        }
        Optional<String> runbook = reportQuorum(plan.quorum());
        report = new MemberReport(entry.map(ClusterMember::describe), plan.quorum(), Optional.ofNullable(promotion), lastChange,
                lastError, runbook, now);
    }

    private Map<Long, Duration> trackUnreachable(ClusterView cluster, Instant now) {
        Map<Long, Duration> unreachable = new HashMap<>();
        unreachableSince.keySet().retainAll(cluster.members().stream().map(ClusterMember::id).toList());
        for (ClusterMember member : cluster.members()) {
            if (cluster.reachable().contains(member.id())) {
                unreachableSince.remove(member.id());
            } else {
                Instant since = unreachableSince.computeIfAbsent(member.id(), id -> now);
                unreachable.put(member.id(), Duration.between(since, now));
            }
        }
        return unreachable;
    }

    private void carryOut(RunningStep step, Instant now) {
        try {
            if (step instanceof RunningStep.PromoteSelf promote) {
                promote(promote.memberId(), now);
            } else if (step instanceof RunningStep.DeleteAsideData) {
                aside.orElseThrow().delete();
                changed("deleted the data moved aside for the rejoin (" + aside.get().location() + "): the member votes again", now);
            } else if (step instanceof RunningStep.UpdatePeerUrls update) {
                membership.updatePeerUrls(update.memberId(), update.peerUrls());
                changed("updated " + self.name() + "'s peer URLs to " + update.peerUrls(), now);
            } else if (step instanceof RunningStep.RemoveMember remove) {
                membership.remove(remove.memberId());
                unreachableSince.remove(remove.memberId());
                changed("removed " + remove.description() + ": beyond the desired size " + desiredSize.get().orElse(0)
                        + " and gone for more than " + removalGrace.toSeconds() + " s", now);
            }
        } catch (MembershipChangeException | IOException e) {
            lastError = Optional.of(now + " " + JetcdMembership.rootMessage(e));
            LOG.warn("membership change failed member={} step={}", self.name(), step, e);
        }
    }

    private void promote(long id, Instant now) {
        if (promotion != null && now.isBefore(promotion.nextAttempt())) {
            return;
        }
        int attempts = promotion == null ? 1 : promotion.attempts() + 1;
        try {
            membership.promote(id);
            changed("promoted " + self.name() + " from learner to voter after " + attempts + " attempt(s)", now);
            promotion = null;
        } catch (MembershipChangeException e) {
            long backoffSeconds = Math.min(MAX_PROMOTION_BACKOFF.toSeconds(), 1L << Math.min(attempts - 1, 5));
            promotion = new Promotion(attempts, Optional.of(e.getMessage()), membership.learnerProgress(id), now.plusSeconds(backoffSeconds));
            if (e.retryable()) {
                LOG.info("learner not promoted yet member={} attempts={} caught_up={} next_attempt_s={} reason=\"{}\"", self.name(),
                        attempts, promotion.caughtUp().isPresent() ? String.format("%.3f", promotion.caughtUp().getAsDouble()) : "unknown",
                        backoffSeconds, e.getMessage());
            } else {
                lastError = Optional.of(now + " " + e.getMessage());
                LOG.warn("learner promotion refused member={} attempts={}", self.name(), attempts, e);
            }
        }
    }

    private void changed(String what, Instant now) {
        lastChange = Optional.of(now + " " + what);
        LOG.info("membership changed member={} change=\"{}\"", self.name(), what);
    }

    /** Logs quorum transitions; while lost, the runbook step. */
    private Optional<String> reportQuorum(Quorum quorum) {
        Optional<String> runbook = Optional.empty();
        if (quorum.state() == Quorum.State.LOST) {
            OptionalLong newest = newestBackedUpRevision.get();
            runbook = Optional.of("quorum lost: " + quorum.reachable() + " of " + quorum.voters() + " voters answer (" + String.join(", ",
                    quorum.survivors()) + "). Do not start a new cluster from a survivor. Bring the other members back (pods, "
                    + "volumes, network); if a majority cannot come back, restore the whole cluster from the newest backup"
                    + (newest.isPresent() ? " (revision " + newest.getAsLong() + ")" : "") + " as the README runbook 'Quorum lost' says");
        }
        if (quorum.state() != lastQuorum) {
            if (quorum.state() == Quorum.State.LOST) {
                LOG.warn("quorum lost member={} voters={} reachable={} survivors=\"{}\" runbook=\"{}\"", self.name(), quorum.voters(),
                        quorum.reachable(), String.join(", ", quorum.survivors()), runbook.orElse(""));
            } else {
                LOG.info("quorum state member={} quorum={} voters={} reachable={}", self.name(), quorum.state(), quorum.voters(),
                        quorum.reachable());
            }
            lastQuorum = quorum.state();
        }
        return runbook;
    }

    @Override
    public void close() {
        membership.close();
    }
}
