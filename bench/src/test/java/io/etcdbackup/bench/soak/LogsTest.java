package io.etcdbackup.bench.soak;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class LogsTest {

    @Test
    void linesThatDifferOnlyInTheirTimeAreShownOnceWithTheirCount() {
        List<String> log = List.of(
                "{\"level\":\"info\",\"ts\":\"2026-12-06T22:57:40.1Z\",\"msg\":\"added member\"}",
                "{\"level\":\"warn\",\"ts\":\"2026-12-06T22:57:48.2Z\",\"msg\":\"request cluster ID mismatch\"}",
                "{\"level\":\"warn\",\"ts\":\"2026-12-06T22:57:48.3Z\",\"msg\":\"request cluster ID mismatch\"}",
                "{\"level\":\"warn\",\"ts\":\"2026-12-06T22:57:48.4Z\",\"msg\":\"request cluster ID mismatch\"}",
                "2026-12-06T22:54:29.761Z level=INFO logger=LeaderGatedBackup etcd member role=LEADER",
                "2026-12-06T22:54:30.261Z level=INFO logger=LeaderGatedBackup etcd member role=LEADER",
                "2026-12-06T22:54:30.761Z level=INFO logger=LeaderGatedBackup etcd member role=FOLLOWER");

        assertThat(Logs.fold(log)).containsExactly(
                "{\"level\":\"info\",\"ts\":\"2026-12-06T22:57:40.1Z\",\"msg\":\"added member\"}",
                "{\"level\":\"warn\",\"ts\":\"2026-12-06T22:57:48.4Z\",\"msg\":\"request cluster ID mismatch\"}   [x3]",
                "2026-12-06T22:54:30.261Z level=INFO logger=LeaderGatedBackup etcd member role=LEADER   [x2]",
                "2026-12-06T22:54:30.761Z level=INFO logger=LeaderGatedBackup etcd member role=FOLLOWER");
    }

    @Test
    void anExcerptKeepsTheStartAndTheEnd() {
        assertThat(Logs.excerpt("1\n2\n3\n4\n5\n6", 1, 2)).isEqualTo("1\n[... 3 lines ...]\n5\n6");
        assertThat(Logs.excerpt("1\n2", 1, 2)).isEqualTo("1\n2");
    }
}
