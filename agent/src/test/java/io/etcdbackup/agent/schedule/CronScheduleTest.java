package io.etcdbackup.agent.schedule;

import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CronScheduleTest {

    private final CronSchedule hourly = CronSchedule.parse("0 */1 * * *");

    @Test
    void nextFiresAtTheNextFullHour() {
        assertThat(hourly.nextAfter(Instant.parse("2026-11-22T10:15:00Z"))).contains(Instant.parse("2026-11-22T11:00:00Z"));
        assertThat(hourly.nextAfter(Instant.parse("2026-11-22T11:00:00Z"))).contains(Instant.parse("2026-11-22T12:00:00Z"));
    }

    @Test
    void aFullSnapshotIsOverdueOnlyWhenAScheduledTimePassedSinceIt() {
        Instant now = Instant.parse("2026-11-22T10:15:00Z");
        assertThat(hourly.isOverdue(Instant.parse("2026-11-22T10:00:05Z"), now)).isFalse();
        assertThat(hourly.isOverdue(Instant.parse("2026-11-22T09:59:00Z"), now)).isTrue();
        assertThat(CronSchedule.parse("0 0 * * *").isOverdue(Instant.parse("2026-11-22T00:10:00Z"), now)).isFalse();
    }

    @Test
    void aBadExpressionNamesItself() {
        assertThatThrownBy(() -> CronSchedule.parse("every hour")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'every hour'");
    }
}
