package io.etcdbackup.bench.soak;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The cluster as seen at one moment: the member list (from a member that answered), and which
 * pods' etcd and agent report themselves healthy.
 *
 * @param members      the member list, empty when no member answered
 * @param answeredBy   the member that gave the list, or why none did
 * @param etcdHealthy  per pod name: etcd's {@code /health} says true
 * @param agentHealthy per pod name: the agent's {@code /healthz} answers 200
 */
record ClusterView(List<Member> members, String answeredBy, Map<String, Boolean> etcdHealthy, Map<String, Boolean> agentHealthy) {

    /** One entry of etcd's member list; an added member that has not started yet has no name. */
    record Member(String name, String peerUrl, boolean learner) {
        @Override
        public String toString() {
            return (name.isEmpty() ? "(unstarted)" : name) + "@" + peerUrl + (learner ? " LEARNER" : "");
        }
    }

    /**
     * Whether the cluster has converged to {@code desired}: exactly those members, all voters (no
     * learner left behind), each at its pod's peer URL, with every pod's etcd and agent healthy.
     */
    boolean convergedTo(List<PodAddress> desired) {
        Map<String, String> expected = desired.stream().collect(Collectors.toMap(PodAddress::name, PodAddress::peerUrl));
        Map<String, String> actual = members.stream().filter(m -> !m.learner()).collect(Collectors.toMap(Member::name, Member::peerUrl, (a, b) -> a));
        return members.size() == desired.size() && actual.equals(expected)
                && desired.stream().allMatch(a -> etcdHealthy.getOrDefault(a.name(), false) && agentHealthy.getOrDefault(a.name(), false));
    }

    @Override
    public String toString() {
        return "members " + members + " (from " + answeredBy + "), etcd healthy " + etcdHealthy + ", agent healthy " + agentHealthy;
    }
}
