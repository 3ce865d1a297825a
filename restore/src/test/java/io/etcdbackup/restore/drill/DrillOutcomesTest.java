package io.etcdbackup.restore.drill;

import io.etcdbackup.restore.ScratchPlacement;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DrillOutcomesTest {

    @Test
    void aMismatchCarriesAndNamesBothHashesAndBothRevisions() {
        DrillMismatchException e = new DrillMismatchException("g1", 3_000_000_000L, 120, 17, 120, 50);
        assertThat(e.liveHash()).isEqualTo(3_000_000_000L);
        assertThat(e.restoredHash()).isEqualTo(17);
        assertThat(e.liveRevision()).isEqualTo(120);
        assertThat(e.restoredRevision()).isEqualTo(120);
        assertThat(e.compactRevision()).isEqualTo(50);
        assertThat(e.getMessage()).contains("g1", "live cluster HashKV 3000000000 at revision 120",
                "restored backup HashKV 17 at revision 120", "both compacted at 50");
        assertThat(new DrillMismatchException("g1", 1, 2, 3, 2, -1).getMessage()).contains("neither compacted");
    }

    @Test
    void aPassedDrillHasAHashAndAnInconclusiveOneAReason() {
        assertThatThrownBy(() -> new DrillResult(DrillResult.Verdict.PASSED, "g", 5, OptionalLong.empty(), 0, "", Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new DrillResult(DrillResult.Verdict.INCONCLUSIVE, "g", 5, OptionalLong.empty(), 0, " ", Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(DrillResult.passed("g", 5, 42, 3, Duration.ofMillis(7)).describe())
                .isEqualTo("PASSED generation=g revision=5 hash=42 compact_revision=3 took=7ms");
        assertThat(DrillResult.inconclusive("g", 5, "why", Duration.ofMillis(7)).describe())
                .isEqualTo("INCONCLUSIVE generation=g revision=5 reason=\"why\" took=7ms");
    }

    @Test
    void aDrillNeedsThreeTimesTheDatabaseAndSegmentsInScratchSpace() {
        assertThat(ScratchPlacement.needed(1000, 200)).isEqualTo(3600);
        ScratchSpaceException e = new ScratchSpaceException(Path.of("/scratch"), 3600, 100);
        assertThat(e.requiredBytes()).isEqualTo(3600);
        assertThat(e.usableBytes()).isEqualTo(100);
        assertThat(e.getMessage()).contains("/scratch", "3600", "100");
    }
}
