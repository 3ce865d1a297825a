package io.etcdbackup.snapshot.retention;

import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
import io.etcdbackup.snapshot.catalog.FullSnapshotRef;
import io.etcdbackup.snapshot.catalog.Generation;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static io.etcdbackup.snapshot.retention.Backups.asOf;
import static io.etcdbackup.snapshot.retention.Backups.at;
import static io.etcdbackup.snapshot.retention.Backups.concat;
import static io.etcdbackup.snapshot.retention.Backups.hoursFrom;
import static io.etcdbackup.snapshot.retention.Backups.instants;
import static io.etcdbackup.snapshot.retention.Backups.keptFullTimes;
import static org.assertj.core.api.Assertions.assertThat;

class ExponentialTest {

    private static final String GEN = "20260824T000000000Z-0001";
    /** 90 days of hourly full snapshots (deltas every 20 minutes), 2026-08-24 (Mon) to 2026-11-25. */
    private static final Generation NINETY_DAYS = Backups.hourly(GEN, at("2026-08-24T00:00:00Z"), at("2026-11-25T23:59:00Z"));

    private final RetentionPolicy policy = RetentionPolicies.exponential();

    @Test
    void keepsTheCurrentHourThen24HourlyThen7DailyThen4WeeklyPoints() {
        Instant now = at("2026-11-22T10:30:00Z"); // a Sunday, ISO week 47
        RetentionDecision decision = policy.decide(List.of(asOf(NINETY_DAYS, now)), now);

        assertThat(keptFullTimes(decision)).containsExactlyElementsOf(concat(
                // weekly zone [10-17T10:00, 11-14T10:00): last of ISO weeks 42..45; week 46's last is a daily point
                instants("2026-10-18T23:00:00Z", "2026-10-25T23:00:00Z", "2026-11-01T23:00:00Z", "2026-11-08T23:00:00Z"),
                // daily zone [11-14T10:00, 11-21T10:00): last of each day; 11-21's last is an hourly point
                instants("2026-11-14T23:00:00Z", "2026-11-15T23:00:00Z", "2026-11-16T23:00:00Z", "2026-11-17T23:00:00Z",
                        "2026-11-18T23:00:00Z", "2026-11-19T23:00:00Z", "2026-11-20T23:00:00Z"),
                // hourly zone [11-21T10:00, 11-22T10:00) and the current hour
                hoursFrom("2026-11-21T10:00:00Z", 24),
                instants("2026-11-22T10:00:00Z")));
    }

    @Test
    void laterTheOldestWeeklyPointRollsOffAndANewWeekBecomesWeekly() {
        Instant now = at("2026-11-25T12:00:00Z"); // Wednesday of ISO week 48
        RetentionDecision decision = policy.decide(List.of(asOf(NINETY_DAYS, now)), now);

        assertThat(keptFullTimes(decision)).containsExactlyElementsOf(concat(
                instants("2026-10-25T23:00:00Z", "2026-11-01T23:00:00Z", "2026-11-08T23:00:00Z", "2026-11-15T23:00:00Z"),
                instants("2026-11-17T23:00:00Z", "2026-11-18T23:00:00Z", "2026-11-19T23:00:00Z", "2026-11-20T23:00:00Z",
                        "2026-11-21T23:00:00Z", "2026-11-22T23:00:00Z", "2026-11-23T23:00:00Z"),
                hoursFrom("2026-11-24T12:00:00Z", 24),
                instants("2026-11-25T12:00:00Z")));
        assertThat(decision.reasonFor(fullAt("2026-10-18T23:00:00Z").key()))
                .hasValue("older than 2026-10-20T12:00:00Z (24 hourly, 7 daily, 4 weekly points)");
        assertThat(decision.reasonFor(fullAt("2026-11-22T22:00:00Z").key()))
                .hasValue("not the last of day 2026-11-22 (daily points for 7 days)");
    }

    @Test
    void theCurrentHourIsTheClockHourNotTheLastSixtyMinutes() {
        Generation g = new Backups.Writer(GEN, 100)
                .full(at("2026-11-22T09:20:00Z")).delta(at("2026-11-22T09:30:00Z"), 5)
                .full(at("2026-11-22T09:50:00Z")).delta(at("2026-11-22T10:00:00Z"), 5)
                .full(at("2026-11-22T10:01:00Z")).delta(at("2026-11-22T10:02:00Z"), 5)
                .full(at("2026-11-22T10:03:00Z"))
                .build();

        RetentionDecision decision = policy.decide(List.of(g), at("2026-11-22T10:05:00Z"));

        // 09:20 is 45 minutes old but in the previous clock hour, whose last point is 09:50.
        assertThat(keptFullTimes(decision)).containsExactlyElementsOf(
                instants("2026-11-22T09:50:00Z", "2026-11-22T10:01:00Z", "2026-11-22T10:03:00Z"));
        assertThat(decision.reasonFor(g.fulls().get(0).key())).hasValue("not the last of hour 2026-11-22T09Z (hourly points for 24h)");
    }

    @Test
    void zoneBoundsIncludeTheirStartAndExcludeTheirEnd() {
        // now 10:30 -> hourly zone starts 11-21T10:00, daily 11-14T10:00, weekly 10-17T10:00
        Generation g = new Backups.Writer(GEN, 100)
                .full(at("2026-10-17T09:59:59Z")).delta(at("2026-10-17T10:00:00Z"), 1)
                .full(at("2026-10-17T10:00:00Z")).delta(at("2026-11-14T09:00:00Z"), 1)
                .full(at("2026-11-14T10:00:00Z")).delta(at("2026-11-15T04:00:00Z"), 1)  // last of its day, not of ISO week 46
                .full(at("2026-11-15T05:00:00Z")).delta(at("2026-11-21T09:00:00Z"), 1)
                .full(at("2026-11-21T09:59:59Z")).delta(at("2026-11-21T10:00:00Z"), 1)
                .full(at("2026-11-21T10:00:00Z")).delta(at("2026-11-22T10:00:00Z"), 1)
                .full(at("2026-11-22T10:00:00Z"))
                .build();

        RetentionDecision decision = policy.decide(List.of(g), at("2026-11-22T10:30:00Z"));

        // 11-21T09:59:59 is in the daily zone, where 11-21's last snapshot (10:00, hourly zone) wins.
        assertThat(keptFullTimes(decision)).containsExactlyElementsOf(instants("2026-10-17T10:00:00Z", "2026-11-14T10:00:00Z",
                "2026-11-15T05:00:00Z", "2026-11-21T10:00:00Z", "2026-11-22T10:00:00Z"));
        assertThat(decision.reasonFor(g.fulls().get(0).key())).hasValueSatisfying(r -> assertThat(r).startsWith("older than 2026-10-17T10:00:00Z"));
        assertThat(decision.reasonFor(g.fulls().get(4).key())).hasValue("not the last of day 2026-11-21 (daily points for 7 days)");
    }

    @Test
    void whenBackupsStoppedTheNewestFullSnapshotAndTheOlderWeeklyPointsRemain() {
        Instant now = at("2026-11-22T10:30:00Z");
        Generation stopped = asOf(NINETY_DAYS, at("2026-11-10T00:00:00Z"));

        RetentionDecision decision = policy.decide(List.of(stopped), now);

        assertThat(keptFullTimes(decision)).containsExactlyElementsOf(instants("2026-10-18T23:00:00Z", "2026-10-25T23:00:00Z",
                "2026-11-01T23:00:00Z", "2026-11-08T23:00:00Z", "2026-11-10T00:00:00Z"));
        // The live chain: the newest full snapshot and nothing after it yet.
        assertThat(decision.keptDeltas()).allSatisfy(d -> assertThat(d.publishedAt()).isBefore(at("2026-11-10T00:00:01Z")));
    }

    @Test
    void deltaSegmentsBetweenKeptPointsStayAndThoseBeforeTheOldestGo() {
        Instant now = at("2026-11-22T10:30:00Z");
        RetentionDecision decision = policy.decide(List.of(asOf(NINETY_DAYS, now)), now);

        long oldest = fullAt("2026-10-18T23:00:00Z").revision();
        assertThat(decision.keptDeltas()).extracting(DeltaSegmentRef::firstRevision).allSatisfy(r -> assertThat(r).isGreaterThan(oldest));
        assertThat(decision.keptDeltas()).hasSize((int) NINETY_DAYS.deltas().stream()
                .filter(d -> d.firstRevision() > oldest && !d.publishedAt().isAfter(now)).count());
        assertThat(decision.deletions()).filteredOn(d -> d.type() == io.etcdbackup.snapshot.catalog.BackupLayout.KeyType.DELTA)
                .extracting(RetentionDecision.Deletion::reason).containsOnly("not needed by any retained full snapshot");
    }

    @Test
    void withDeltaRetentionOldSegmentsGoButTheLiveChainStays() {
        Instant now = at("2026-11-22T10:30:00Z");
        RetentionDecision decision = policy.withDeltaRetention(Duration.ofHours(72)).decide(List.of(asOf(NINETY_DAYS, now)), now);

        Instant cutoff = at("2026-11-19T10:30:00Z");
        assertThat(decision.keptDeltas()).allSatisfy(d -> assertThat(d.publishedAt()).isAfterOrEqualTo(cutoff));
        assertThat(decision.keptDeltas().get(0).publishedAt()).isEqualTo(at("2026-11-19T23:20:00Z")); // after the 11-19 daily point
        assertThat(decision.reasonFor(deltaPublishedAt("2026-11-18T23:20:00Z").key()))
                .hasValue("published before 2026-11-19T10:30:00Z (delta retention PT72H)");
        // Younger, but only the 11-18 daily point could replay it, and that chain is cut at 11-19T10:20.
        assertThat(decision.reasonFor(deltaPublishedAt("2026-11-19T12:00:00Z").key()))
                .hasValue("unreachable: follows a segment removed by delta retention");
        assertThat(keptFullTimes(decision)).hasSize(36); // full snapshots are not affected
    }

    @Test
    void zeroDeltaRetentionKeepsOnlyTheLiveChainsSegmentsLikeTheReference() {
        Instant now = at("2026-11-22T10:30:00Z");
        RetentionDecision decision = policy.withDeltaRetention(Duration.ZERO).decide(List.of(asOf(NINETY_DAYS, now)), now);

        assertThat(decision.keptDeltas()).containsExactly(deltaPublishedAt("2026-11-22T10:20:00Z"));
    }

    private static FullSnapshotRef fullAt(String iso) {
        return NINETY_DAYS.fulls().stream().filter(f -> f.createdAt().equals(at(iso))).findFirst().orElseThrow();
    }

    private static DeltaSegmentRef deltaPublishedAt(String iso) {
        return NINETY_DAYS.deltas().stream().filter(d -> d.publishedAt().equals(at(iso))).findFirst().orElseThrow();
    }
}
