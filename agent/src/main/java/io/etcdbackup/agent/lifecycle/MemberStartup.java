package io.etcdbackup.agent.lifecycle;

import io.etcdbackup.agent.lifecycle.StartPlan.Action;
import io.etcdbackup.restore.init.DataDirValidator;
import io.etcdbackup.restore.init.DataDirVerdict;
import io.etcdbackup.restore.init.InitializationOutcome;
import io.etcdbackup.restore.init.InitializationRequest;
import io.etcdbackup.restore.init.Initializer;
import io.etcdbackup.restore.init.Safeguard;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The reconciler before etcd starts ({@code initialize --service-endpoints}): observes the
 * cluster, validates the data dir, asks {@link MemberLifecycle#atStart}, and acts: hands the data
 * dir to the {@link Initializer} when no member answers, keeps it, or moves it aside and adds
 * the member as a learner (removing its old entry first when it rejoins). While the decision is
 * to wait (another learner catching up, no quorum), it asks again with backoff, up to a timeout.
 */
public final class MemberStartup {

    private static final Logger LOG = LoggerFactory.getLogger(MemberStartup.class);

    /** How long a start waits for a learner slot or for quorum unless told otherwise ({@code initialize --wait-timeout}). */
    public static final Duration DEFAULT_WAIT_TIMEOUT = Duration.ofMinutes(10);

    /** Waits between observations; {@link Thread#sleep} in production. */
    @FunctionalInterface
    public interface Pause {
        void pause(Duration duration) throws InterruptedException;
    }

    private final EtcdMembership membership;
    private final Initializer initializer;
    private final DataDirValidator validator;
    private final Clock clock;
    private final Pause pause;
    private final Duration waitTimeout;

    /**
     * @param membership  the cluster, through its service endpoints
     * @param initializer prepares the data dir when no member answers
     * @param validator   validates the data dir when the cluster answers
     * @param waitTimeout how long to keep asking while the decision is to wait; then the start is refused
     */
    public MemberStartup(EtcdMembership membership, Initializer initializer, DataDirValidator validator, Clock clock, Pause pause,
                         Duration waitTimeout) {
        this.membership = membership;
        this.initializer = initializer;
        this.validator = validator;
        this.clock = clock;
        this.pause = pause;
        this.waitTimeout = waitTimeout;
    }

    /**
     * Decides and acts for the member {@code self} whose data dir and membership {@code request}
     * describes (its {@code joining} and {@code clusterDown} flags are set here).
     *
     * @return the result; never thrown for what the cluster, the store or the data dir do
     */
    public StartResult start(MemberSpec self, InitializationRequest request) throws InterruptedException {
        Instant giveUp = clock.instant().plus(waitTimeout);
        Duration backoff = Duration.ofSeconds(1);
        while (true) {
            ClusterView cluster = membership.observe();
            LOG.info("member start observed member={} cluster=\"{}\"", self.name(), cluster.summary());
            if (!cluster.answered()) {
                return prepareWithoutCluster(self, request, cluster);
            }
            Path dataDir = request.target().dataDir();
            Optional<String> wrongVolume = Safeguard.refusal(dataDir, request.identity());
            if (wrongVolume.isPresent()) {
                return refused(request, wrongVolume.get());
            }
            DataDirVerdict verdict;
            try {
                verdict = validator.validate(dataDir, request.mode());
            } catch (IOException | RuntimeException e) {
                return refused(request, "could not validate data dir " + dataDir + " (" + JetcdMembership.rootMessage(e)
                        + "); nothing was changed");
            }
            StartPlan plan = MemberLifecycle.atStart(self, request.target().initialCluster(), cluster, verdict.status());
            LOG.info("member start decided member={} action={} initial_cluster_state={} reason=\"{}\"", self.name(), plan.action(),
                    plan.clusterState().label(), plan.reason());
            String waitingFor = plan.reason();
            if (plan.action() != Action.WAIT) {
                try {
                    return act(self, request, plan, verdict);
                } catch (MembershipChangeException refusedForNow) {
                    LOG.info("member start must wait member={} action={} reason=\"{}\"", self.name(), plan.action(),
                            refusedForNow.getMessage());
                    waitingFor = refusedForNow.getMessage();
                }
            }
            if (!clock.instant().isBefore(giveUp)) {
                return refused(request, "gave up after waiting " + waitTimeout.toSeconds() + " s: " + waitingFor);
            }
            pause.pause(backoff);
            backoff = backoff.multipliedBy(2).compareTo(Duration.ofSeconds(10)) > 0 ? Duration.ofSeconds(10) : backoff.multipliedBy(2);
        }
    }

    private StartResult prepareWithoutCluster(MemberSpec self, InitializationRequest request, ClusterView cluster) {
        StartPlan plan = MemberLifecycle.atStart(self, request.target().initialCluster(), cluster, DataDirVerdict.Status.MISSING);
        InitializationRequest alone = new InitializationRequest(request.target(), request.mode(), request.identity(), false,
                request.multiMember());
        InitializationOutcome outcome = initializer.initialize(alone);
        return new StartResult(outcome.decision().name(), outcome.successful(),
                outcome.decision() == InitializationOutcome.Decision.REFUSE, plan.clusterState(), plan.initialCluster(),
                outcome.revision(), plan.reason() + ". " + outcome.reason(), Optional.of(outcome));
    }

    /** Carries out {@code plan}; a membership change etcd refuses for now is thrown (the caller waits and asks again). */
    private StartResult act(MemberSpec self, InitializationRequest request, StartPlan plan, DataDirVerdict verdict) {
        Path dataDir = request.target().dataDir();
        AsideData aside = new AsideData(dataDir);
        try {
            switch (plan.action()) {
                case KEEP -> {
                    Safeguard.claimIfUnclaimed(dataDir, request.identity(), clock.instant());
                    return new StartResult("KEEP", true, false, plan.clusterState(), plan.initialCluster(), verdict.revision(), plan.reason(),
                            Optional.empty());
                }
                case REJOIN -> {
                    membership.remove(plan.removeFirst().getAsLong());
                    LOG.info("member removed for its rejoin member={} id={}", self.name(), String.format("%016x", plan.removeFirst().getAsLong()));
                    moveAside(aside, self);
                    addLearner(self);
                }
                case JOIN -> {
                    moveAside(aside, self);
                    addLearner(self);
                }
                case RESUME_JOIN -> moveAside(aside, self);
                default -> throw new IllegalStateException("not an action to carry out: " + plan.action());
            }
            InitializationOutcome prepared = initializer.initialize(new InitializationRequest(request.target(), request.mode(),
                    request.identity(), true));
            if (!prepared.successful()) {
                return new StartResult(plan.action().name(), false, prepared.decision() == InitializationOutcome.Decision.REFUSE,
                        plan.clusterState(), plan.initialCluster(), OptionalLong.empty(), plan.reason() + ". " + prepared.reason(),
                        Optional.of(prepared));
            }
            return new StartResult(plan.action().name(), true, false, plan.clusterState(), plan.initialCluster(), OptionalLong.empty(),
                    plan.reason() + (aside.exists() ? "; the old data is kept in " + aside.location() + " until the member votes" : ""),
                    Optional.of(prepared));
        } catch (MembershipChangeException e) {
            if (e.retryable()) {
                throw e;
            }
            return failed(self, plan, aside, e);
        } catch (IOException e) {
            return failed(self, plan, aside, e);
        }
    }

    private void addLearner(MemberSpec self) {
        membership.addLearner(self.peerUrls());
        LOG.info("member added as a learner member={} peer_urls={}", self.name(), self.peerUrls());
    }

    private static StartResult failed(MemberSpec self, StartPlan plan, AsideData aside, Exception e) {
        LOG.warn("member start failed member={} action={}", self.name(), plan.action(), e);
        return new StartResult(plan.action().name(), false, false, plan.clusterState(), plan.initialCluster(), OptionalLong.empty(),
                plan.action() + " failed: " + JetcdMembership.rootMessage(e) + " (" + plan.reason() + "); the old data, if any, is in "
                        + aside.location(), Optional.empty());
    }

    private static void moveAside(AsideData aside, MemberSpec self) throws IOException {
        if (aside.moveAside()) {
            LOG.info("data dir moved aside member={} aside={}", self.name(), aside.location());
        }
    }

    private StartResult refused(InitializationRequest request, String reason) {
        LOG.warn("member start refused data_dir={} reason=\"{}\"", request.target().dataDir(), reason);
        return new StartResult("REFUSE", false, true, StartPlan.ClusterState.EXISTING, request.target().initialCluster(),
                OptionalLong.empty(), reason, Optional.empty());
    }

}
