package io.etcdbackup.agent.config;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DurationsAndSizesTest {

    @Test
    void parsesTheDurationsOperatorsWrite() {
        assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Durations.parse("20s")).isEqualTo(Duration.ofSeconds(20));
        assertThat(Durations.parse("5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(Durations.parse("1h30m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(Durations.parse("2d")).isEqualTo(Duration.ofDays(2));
    }

    @Test
    void formatsWhatItParses() {
        for (String text : new String[] {"500ms", "20s", "5m", "1h30m", "1h0m1s"}) {
            assertThat(Durations.parse(Durations.format(Durations.parse(text)))).isEqualTo(Durations.parse(text));
        }
    }

    @Test
    void rejectsDurationsWithoutUnitsOrWithGarbage() {
        for (String bad : new String[] {"", "20", "1x", "s", "5m garbage", "-1s"}) {
            assertThatThrownBy(() -> Durations.parse(bad)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'" + bad + "'");
        }
    }

    @Test
    void parsesBinaryAndDecimalSizes() {
        assertThat(ByteSizes.parse("1048576")).isEqualTo(1_048_576);
        assertThat(ByteSizes.parse("10MiB")).isEqualTo(10L << 20);
        assertThat(ByteSizes.parse("64Mi")).isEqualTo(64L << 20);
        assertThat(ByteSizes.parse("5MB")).isEqualTo(5_000_000);
        assertThat(ByteSizes.parse("1GiB")).isEqualTo(1L << 30);
        assertThatThrownBy(() -> ByteSizes.parse("ten MB")).hasMessageContaining("'ten MB'");
    }
}
