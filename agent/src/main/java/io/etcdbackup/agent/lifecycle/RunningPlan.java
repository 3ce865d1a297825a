package io.etcdbackup.agent.lifecycle;

import java.util.List;

/**
 * What {@link MemberLifecycle#whileRunning} found and wants done.
 *
 * @param steps  the changes to make, in order (at most one membership change per round)
 * @param quorum whether the cluster can commit, and who answers
 */
public record RunningPlan(List<RunningStep> steps, Quorum quorum) {

    public RunningPlan {
        steps = List.copyOf(steps);
    }

    /**
     * The cluster's health as far as quorum goes.
     *
     * @param state     HELD, LOST, or UNKNOWN (the local member does not answer)
     * @param voters    voting members in the member list
     * @param reachable voting members that answered
     * @param survivors the voters that answered, by name
     */
    public record Quorum(State state, int voters, int reachable, List<String> survivors) {

        /** Whether a majority of the voters answer and a leader is known. */
        public enum State { HELD, LOST, UNKNOWN }

        public Quorum {
            survivors = List.copyOf(survivors);
        }
    }
}
