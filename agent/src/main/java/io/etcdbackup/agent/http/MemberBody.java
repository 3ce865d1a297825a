package io.etcdbackup.agent.http;

import io.etcdbackup.agent.lifecycle.MemberReport;

import java.util.List;

/**
 * {@code /v1/status}'s {@code member} object: what the member reconciler last saw and did.
 *
 * @param member     this member as {@code name} or {@code name (learner)}; null when it is not listed or nothing answered
 * @param quorum     HELD, LOST or UNKNOWN (the local member does not answer)
 * @param voters     voting members in the member list
 * @param reachable  voting members that answer
 * @param survivors  the voters that answer, by name
 * @param promotion  while a learner: attempts, the last refusal, how far it has caught up (0..1), the next attempt; else null
 * @param lastChange the last membership change made, with its time; null before the first
 * @param lastError  the last change that failed, with its time; null when none failed
 * @param runbook    while quorum is lost: the step to take; else null
 * @param observedAt when this was observed
 */
record MemberBody(String member, String quorum, int voters, int reachable, List<String> survivors, Promotion promotion,
                  String lastChange, String lastError, String runbook, String observedAt) {

    /** A learner's way to a vote. */
    record Promotion(int attempts, String lastRefusal, Double caughtUp, String nextAttempt) {
    }

    static MemberBody of(MemberReport report) {
        return new MemberBody(report.member().orElse(null), report.quorum().state().name(), report.quorum().voters(),
                report.quorum().reachable(), report.quorum().survivors(),
                report.promotion().map(p -> new Promotion(p.attempts(), p.lastRefusal().orElse(null),
                        p.caughtUp().isPresent() ? p.caughtUp().getAsDouble() : null, p.nextAttempt().toString())).orElse(null),
                report.lastChange().orElse(null), report.lastError().orElse(null), report.runbook().orElse(null),
                report.observedAt().toString());
    }
}
