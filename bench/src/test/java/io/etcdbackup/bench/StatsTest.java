package io.etcdbackup.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class StatsTest {

    @Test
    void theMedianOfAnOddCountIsTheMiddleValueWhateverTheOrder() {
        assertThat(Stats.median(List.of(9.0, 1.0, 5.0))).isEqualTo(5.0);
        assertThat(Stats.median(List.of(4.0))).isEqualTo(4.0);
    }

    @Test
    void theMedianOfAnEvenCountIsTheMeanOfTheMiddleTwo() {
        assertThat(Stats.median(List.of(10.0, 1.0, 3.0, 2.0))).isEqualTo(2.5);
    }

    @Test
    void aPercentileIsTheNearestRankNeverInterpolated() {
        double[] sorted = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        assertThat(Stats.percentile(sorted, 0.50)).isEqualTo(5);
        assertThat(Stats.percentile(sorted, 0.99)).isEqualTo(10);
        assertThat(Stats.percentile(sorted, 0.10)).isEqualTo(1);
        assertThat(Stats.percentile(sorted, 0.11)).isEqualTo(2);
        assertThat(Stats.percentile(new double[] {7}, 0.99)).isEqualTo(7);
    }

    @Test
    void theMaxOfNothingIsZero() {
        assertThat(Stats.max(List.of(3L, 11L, 5L))).isEqualTo(11);
        assertThat(Stats.max(List.of())).isZero();
    }

    @Test
    void firstAtLeastFindsTheEarliestIndexOrMinusOne() {
        long[] ascending = {2, 4, 4, 4, 9};
        assertThat(Stats.firstAtLeast(ascending, 1)).isZero();
        assertThat(Stats.firstAtLeast(ascending, 4)).isEqualTo(1);
        assertThat(Stats.firstAtLeast(ascending, 5)).isEqualTo(4);
        assertThat(Stats.firstAtLeast(ascending, 10)).isEqualTo(-1);
        assertThat(Stats.firstAtLeast(new long[0], 1)).isEqualTo(-1);
    }

    @Test
    void aWriteIsDurableAtTheFirstPollThatSawItsRevisionAndNeverBeforeItsAck() {
        long s = 1_000_000_000L;
        long[] pollNanos = {10 * s, 12 * s, 20 * s};
        long[] pollRevisions = {100, 105, 110};
        long[] ackRevisions = {99, 103, 110, 111, 0};
        long[] ackNanos = {11 * s, 11 * s, 13 * s, 14 * s, 0};
        double[] lags = Stats.durabilityLags(pollNanos, pollRevisions, ackRevisions, ackNanos, 4);
        // 99 was seen at 10 s, before its ack at 11 s: 0; 103 at 12 s: 1 s; 110 at 20 s: 7 s;
        // 111 never: left out; the fifth ack is beyond the count given.
        assertThat(lags).containsExactly(new double[] {0, 1, 7}, within(1e-9));
    }
}
