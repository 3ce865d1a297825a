package io.etcdbackup.snapshot.retention;

import io.etcdbackup.snapshot.catalog.Generation;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static io.etcdbackup.snapshot.retention.Backups.asOf;
import static io.etcdbackup.snapshot.retention.Backups.at;
import static io.etcdbackup.snapshot.retention.Backups.instants;
import static io.etcdbackup.snapshot.retention.Backups.keptFullTimes;
import static org.assertj.core.api.Assertions.assertThat;

class TieredTest {

    private static final String GEN = "20260824T000000000Z-0001";
    private static final Generation NINETY_DAYS = Backups.hourly(GEN, at("2026-08-24T00:00:00Z"), at("2026-11-22T23:00:00Z"));

    @Test
    void keepsTheLastPointsOfEachTierAndCountsASnapshotInEveryTierItServes() {
        Instant now = at("2026-11-22T10:30:00Z");
        RetentionDecision decision = RetentionPolicies.tiered(3, 2, 2, 2).decide(List.of(asOf(NINETY_DAYS, now)), now);

        assertThat(keptFullTimes(decision)).containsExactlyElementsOf(instants(
                "2026-11-22T10:00:00Z", "2026-11-22T09:00:00Z", "2026-11-22T08:00:00Z", // hourly; 10:00 is also today's, week 47's, November's point
                "2026-11-21T23:00:00Z",                                                 // daily
                "2026-11-15T23:00:00Z",                                                 // weekly: ISO week 46
                "2026-10-31T23:00:00Z"));                                               // monthly: October
        assertThat(decision.reasonFor(NINETY_DAYS.fulls().get(0).key()))
                .hasValue("not among the last 3 hourly, 2 daily, 2 weekly, 2 monthly points");
    }

    @Test
    void monthlyPointsReachBackAsFarAsAsked() {
        Instant now = at("2026-11-22T10:30:00Z");
        RetentionDecision decision = RetentionPolicies.tiered(0, 0, 0, 12).decide(List.of(asOf(NINETY_DAYS, now)), now);

        assertThat(keptFullTimes(decision)).containsExactlyElementsOf(instants(
                "2026-08-31T23:00:00Z", "2026-09-30T23:00:00Z", "2026-10-31T23:00:00Z", "2026-11-22T10:00:00Z"));
    }

    @Test
    void countsPeriodsThatHoldSnapshotsSoAPauseInBackupsDoesNotEraseHistory() {
        Generation stopped = asOf(NINETY_DAYS, at("2026-11-10T00:00:00Z"));
        Instant now = at("2026-11-22T10:30:00Z");

        RetentionDecision decision = RetentionPolicies.tiered(3, 2, 0, 0).decide(List.of(stopped), now);

        assertThat(keptFullTimes(decision)).containsExactlyElementsOf(instants(
                "2026-11-09T22:00:00Z", "2026-11-09T23:00:00Z", "2026-11-10T00:00:00Z"));
    }
}
