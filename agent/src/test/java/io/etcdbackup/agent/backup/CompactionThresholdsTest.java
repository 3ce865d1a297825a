package io.etcdbackup.agent.backup;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class CompactionThresholdsTest {

    private static ChainStats chain(long events, long bytes, long restoreSeconds) {
        return new ChainStats(10, events, bytes, events, Duration.ofSeconds(restoreSeconds));
    }

    @Test
    void anyPassedThresholdTriggersAndNamesItself() {
        CompactionThresholds thresholds = new CompactionThresholds(1000, 5000, Duration.ofMinutes(2));
        assertThat(thresholds.passedBy(chain(999, 4999, 119))).isEmpty();
        assertThat(thresholds.passedBy(chain(1000, 0, 0))).hasValueSatisfying(r -> assertThat(r).contains("1000 delta events"));
        assertThat(thresholds.passedBy(chain(0, 5000, 0))).hasValueSatisfying(r -> assertThat(r).contains("5000 delta bytes"));
        assertThat(thresholds.passedBy(chain(0, 0, 120))).hasValueSatisfying(r -> assertThat(r).contains("predicted restore time 120 s"));
    }

    @Test
    void zeroDisablesAThreshold() {
        CompactionThresholds off = new CompactionThresholds(0, 0, Duration.ZERO);
        assertThat(off.passedBy(chain(Long.MAX_VALUE, Long.MAX_VALUE, 1_000_000))).isEmpty();
    }
}
