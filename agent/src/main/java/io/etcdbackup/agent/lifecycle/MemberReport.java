package io.etcdbackup.agent.lifecycle;

import io.etcdbackup.agent.lifecycle.RunningPlan.Quorum;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * What the member reconciler last saw and did, for {@code /v1/status}, the metrics and the log.
 * Immutable; the reconciler replaces it after every round.
 *
 * @param member     this member's entry as {@code name (learner)}; empty when it is not in the member list or nothing answered
 * @param quorum     the cluster's quorum, voters, and the voters that answer
 * @param promotion  while this member is a learner: attempts so far, the last refusal, how far it has caught up
 * @param lastChange the last membership change made, and when
 * @param lastError  the last change that failed, and why
 * @param runbook    while quorum is lost: what an operator should do (the surviving members and the newest backed-up revision)
 * @param observedAt when this was observed
 */
public record MemberReport(Optional<String> member, Quorum quorum, Optional<Promotion> promotion, Optional<String> lastChange,
                           Optional<String> lastError, Optional<String> runbook, Instant observedAt) {

    public MemberReport {
        Objects.requireNonNull(member, "member");
        Objects.requireNonNull(quorum, "quorum");
        Objects.requireNonNull(promotion, "promotion");
        Objects.requireNonNull(lastChange, "lastChange");
        Objects.requireNonNull(lastError, "lastError");
        Objects.requireNonNull(runbook, "runbook");
        Objects.requireNonNull(observedAt, "observedAt");
    }

    /** Before the first round. */
    static MemberReport initial(Instant now) {
        return new MemberReport(Optional.empty(), new Quorum(Quorum.State.UNKNOWN, 0, 0, java.util.List.of()), Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty(), now);
    }

    /**
     * A learner's way to a vote.
     *
     * @param attempts    promotions asked for so far
     * @param lastRefusal etcd's last answer, when it refused
     * @param caughtUp    the learner's raft index over the leader's, when both answered
     * @param nextAttempt when it is asked again
     */
    public record Promotion(int attempts, Optional<String> lastRefusal, OptionalDouble caughtUp, Instant nextAttempt) {
    }
}
