package io.etcdbackup.restore.drill;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CompactionAlignmentTest {

    @Test
    void membersAtTheSameCompactionPointAreComparedAsTheyAre() {
        assertThat(CompactionAlignment.decide(100, 40, 40)).isInstanceOf(CompactionAlignment.Compare.class);
        assertThat(CompactionAlignment.decide(100, 0, 0)).isInstanceOf(CompactionAlignment.Compare.class);
    }

    @Test
    void aRestoredMemberBehindTheLiveCompactionPointIsCompactedThere() {
        assertThat(CompactionAlignment.decide(100, 60, 40)).isEqualTo(new CompactionAlignment.CompactRestored(60));
        assertThat(CompactionAlignment.decide(100, 99, 0)).isEqualTo(new CompactionAlignment.CompactRestored(99));
    }

    @Test
    void aRestoredMemberCompactedFurtherThanTheLiveOneIsInconclusiveNamingBothPoints() {
        CompactionAlignment step = CompactionAlignment.decide(100, 40, 70);
        assertThat(step).isInstanceOf(CompactionAlignment.Inconclusive.class);
        assertThat(((CompactionAlignment.Inconclusive) step).reason()).contains("compacted at revision 70", "only at 40");
    }

    @Test
    void aLiveClusterCompactedAtOrPastTheRevisionIsInconclusive() {
        CompactionAlignment step = CompactionAlignment.decide(100, 100, 0);
        assertThat(step).isInstanceOf(CompactionAlignment.Inconclusive.class);
        assertThat(((CompactionAlignment.Inconclusive) step).reason()).contains("compacted revision 100");
    }
}
