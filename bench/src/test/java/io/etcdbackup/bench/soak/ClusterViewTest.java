package io.etcdbackup.bench.soak;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ClusterViewTest {

    private static final List<PodAddress> THREE = List.of(new PodAddress(0, 10, 11, 12), new PodAddress(1, 20, 21, 22),
            new PodAddress(2, 30, 31, 32));
    private static final Map<String, Boolean> ALL_HEALTHY = Map.of("member-0", true, "member-1", true, "member-2", true);

    private static ClusterView.Member voter(PodAddress pod) {
        return new ClusterView.Member(pod.name(), pod.peerUrl(), false);
    }

    @Test
    void convergedWhenTheDesiredMembersAreHealthyVotersAtTheirPeerUrls() {
        ClusterView view = new ClusterView(THREE.stream().map(ClusterViewTest::voter).toList(), "member-0", ALL_HEALTHY, ALL_HEALTHY);

        assertThat(view.convergedTo(THREE)).isTrue();
    }

    @Test
    void aLearnerIsNotConverged() {
        ClusterView view = new ClusterView(List.of(voter(THREE.get(0)), voter(THREE.get(1)),
                new ClusterView.Member("member-2", THREE.get(2).peerUrl(), true)), "member-0", ALL_HEALTHY, ALL_HEALTHY);

        assertThat(view.convergedTo(THREE)).isFalse();
    }

    @Test
    void aMemberBeyondTheDesiredOnesIsNotConverged() {
        List<ClusterView.Member> four = new java.util.ArrayList<>(THREE.stream().map(ClusterViewTest::voter).toList());
        four.add(new ClusterView.Member("member-3", "http://127.0.0.1:41", false));

        assertThat(new ClusterView(four, "member-0", ALL_HEALTHY, ALL_HEALTHY).convergedTo(THREE)).isFalse();
    }

    @Test
    void anAddedMemberThatNeverStartedIsNotConverged() {
        ClusterView view = new ClusterView(List.of(voter(THREE.get(0)), voter(THREE.get(1)),
                new ClusterView.Member("", THREE.get(2).peerUrl(), false)), "member-0", ALL_HEALTHY, ALL_HEALTHY);

        assertThat(view.convergedTo(THREE)).isFalse();
    }

    @Test
    void anUnhealthyAgentIsNotConverged() {
        ClusterView view = new ClusterView(THREE.stream().map(ClusterViewTest::voter).toList(), "member-0", ALL_HEALTHY,
                Map.of("member-0", true, "member-1", false, "member-2", true));

        assertThat(view.convergedTo(THREE)).isFalse();
    }
}
