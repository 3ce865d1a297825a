package io.etcdbackup.snapshot.retention;

import io.etcdbackup.snapshot.catalog.Generation;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static io.etcdbackup.snapshot.retention.Backups.at;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RetentionPoliciesTest {

    @Test
    void limitBasedKeepsSevenByDefaultLikeTheReference() {
        Instant now = at("2026-11-22T10:30:00Z");
        Generation g = Backups.hourly("20261122T000000000Z-0001", at("2026-11-22T00:00:00Z"), now);

        RetentionDecision decision = RetentionPolicies.parse("LimitBased", Map.of()).decide(List.of(g), now);

        assertThat(decision.keptFulls()).hasSize(7);
        assertThat(RetentionPolicies.parse("LimitBased", Map.of("max-backups", " 3 ")).decide(List.of(g), now).keptFulls()).hasSize(3);
    }

    @Test
    void namesAreCaseInsensitiveAndOptionsReachThePolicy() {
        assertThat(RetentionPolicies.parse(" exponential ", Map.of())).hasToString("Exponential");
        assertThat(RetentionPolicies.parse("TIERED", Map.of("hourly", "24", "daily", "7", "monthly", "12")))
                .hasToString("Tiered(hourly=24, daily=7, weekly=0, monthly=12)");
        assertThat(RetentionPolicies.parse("limitbased", Map.of("max-backups", "5")).withDeltaRetention(java.time.Duration.ofHours(72)))
                .hasToString("LimitBased(max-backups=5) with delta retention PT72H");
    }

    @Test
    void badValuesFailWithTheFieldTheValueAndWhy() {
        assertFails("Hourly", Map.of(), "policy", "Hourly", "retention policy=Hourly: unknown; use one of LimitBased, Exponential, Tiered");
        assertFails("LimitBased", Map.of("max-backups", "seven"), "max-backups", "seven", "retention max-backups=seven: not a whole number");
        assertFails("LimitBased", Map.of("max-backups", "0"), "max-backups", "0",
                "retention max-backups=0: must be at least 1 (the newest full snapshot is always kept)");
        assertFails("Tiered", Map.of("daily", "-1"), "daily", "-1", "retention daily=-1: must not be negative");
        assertFails("Tiered", Map.of(), "hourly,daily,weekly,monthly", "0,0,0,0",
                "retention hourly,daily,weekly,monthly=0,0,0,0: keeps no points; set at least one above 0");
        assertFails("Tiered", Map.of("hourlly", "24"), "hourlly", "24",
                "retention hourlly=24: not an option of Tiered; known: daily, hourly, monthly, weekly");
        assertFails("Exponential", Map.of("max-backups", "7"), "max-backups", "7",
                "retention max-backups=7: not an option of Exponential, which takes none");
    }

    private static void assertFails(String policy, Map<String, String> options, String field, String value, String message) {
        assertThatThrownBy(() -> RetentionPolicies.parse(policy, options))
                .isInstanceOfSatisfying(RetentionConfigException.class, e -> {
                    assertThat(e.field()).isEqualTo(field);
                    assertThat(e.value()).isEqualTo(value);
                })
                .hasMessage(message);
    }
}
