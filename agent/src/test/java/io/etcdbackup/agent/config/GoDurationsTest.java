package io.etcdbackup.agent.config;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The reference's flags take Go durations, as etcd-druid prints them (Duration.String()). */
class GoDurationsTest {

    @Test
    void readsWhatEtcdDruidPrints() {
        assertThat(GoDurations.parse("15m0s")).isEqualTo(Duration.ofMinutes(15));
        assertThat(GoDurations.parse("5m0s")).isEqualTo(Duration.ofMinutes(5));
        assertThat(GoDurations.parse("24h0m0s")).isEqualTo(Duration.ofHours(24));
        assertThat(GoDurations.parse("10s")).isEqualTo(Duration.ofSeconds(10));
        assertThat(GoDurations.parse("300ms")).isEqualTo(Duration.ofMillis(300));
    }

    @Test
    void readsGosOtherForms() {
        assertThat(GoDurations.parse("0")).isZero();
        assertThat(GoDurations.parse("1.5h")).isEqualTo(Duration.ofMinutes(90));
        assertThat(GoDurations.parse("2h45m30.5s")).isEqualTo(Duration.ofSeconds(9930).plusMillis(500));
        assertThat(GoDurations.parse("1500us")).isEqualTo(Duration.ofNanos(1_500_000));
        assertThat(GoDurations.parse("1µs")).isEqualTo(Duration.ofNanos(1_000));
        assertThat(GoDurations.parse("-1s")).isEqualTo(Duration.ofSeconds(-1));
    }

    @Test
    void refusesWhatGoRefusesNamingTheValue() {
        for (String bad : new String[] {"", "20", "1d", "5 m", "m", "1h garbage"}) {
            assertThatThrownBy(() -> GoDurations.parse(bad)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'" + bad + "'");
        }
    }
}
