package io.etcdbackup.snapshot.retention;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class PeriodTest {

    @Test
    void namesPeriodsInUtcWithIsoWeeks() {
        Instant t = Instant.parse("2027-01-03T23:59:59Z"); // a Sunday in ISO week 2026-W53
        assertThat(Period.HOUR.of(t)).isEqualTo("2027-01-03T23Z");
        assertThat(Period.DAY.of(t)).isEqualTo("2027-01-03");
        assertThat(Period.WEEK.of(t)).isEqualTo("2026-W53");
        assertThat(Period.MONTH.of(t)).isEqualTo("2027-01");
        assertThat(Period.WEEK.of(t.plusSeconds(1))).isEqualTo("2027-W01");
    }

    @Test
    void groupsInstantsExactlyAsTheirNamesDo() {
        for (Period p : Period.values()) {
            Instant previous = Instant.parse("2025-12-20T00:30:00Z");
            for (Instant t = previous.plus(Duration.ofHours(1)); t.isBefore(Instant.parse("2027-02-01T00:00:00Z")); t = t.plus(Duration.ofHours(1))) {
                assertThat(p.index(t) == p.index(previous)).as(p + " at " + t).isEqualTo(p.of(t).equals(p.of(previous)));
                previous = t;
            }
        }
    }
}
