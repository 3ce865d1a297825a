package io.etcdbackup.snapshot.retention;

import io.etcdbackup.snapshot.catalog.BackupLayout;
import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
import io.etcdbackup.snapshot.catalog.Generation;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static io.etcdbackup.snapshot.retention.Backups.asOf;
import static io.etcdbackup.snapshot.retention.Backups.at;
import static io.etcdbackup.snapshot.retention.Backups.instants;
import static io.etcdbackup.snapshot.retention.Backups.keptFullTimes;
import static org.assertj.core.api.Assertions.assertThat;

class LimitBasedTest {

    private static final String OLD = "20260824T000000000Z-0001";
    private static final String NEW = "20261122T073000000Z-0002";

    @Test
    void keepsTheNewestFullSnapshotsWithTheDeltaSegmentsAfterTheOldestKept() {
        Instant now = at("2026-11-22T10:30:00Z");
        Generation g = asOf(Backups.hourly(OLD, at("2026-08-24T00:00:00Z"), now), now);

        RetentionDecision decision = RetentionPolicies.limitBased(3).decide(List.of(g), now);

        assertThat(keptFullTimes(decision)).containsExactlyElementsOf(
                instants("2026-11-22T08:00:00Z", "2026-11-22T09:00:00Z", "2026-11-22T10:00:00Z"));
        assertThat(decision.keptDeltas()).extracting(DeltaSegmentRef::publishedAt).containsExactlyElementsOf(instants(
                "2026-11-22T08:20:00Z", "2026-11-22T08:40:00Z", "2026-11-22T09:00:00Z",
                "2026-11-22T09:20:00Z", "2026-11-22T09:40:00Z", "2026-11-22T10:00:00Z", "2026-11-22T10:20:00Z"));
        assertThat(decision.reasonFor(g.fulls().get(0).key())).hasValue("beyond the newest 3 full snapshots");
        assertThat(decision.deletions()).hasSize(g.fulls().size() - 3 + g.deltas().size() - 7);
        assertThat(decision.deletedGenerations()).isEmpty(); // the only generation is the live one
    }

    @Test
    void countsFullSnapshotsAcrossGenerationsNewestFirst() {
        // The new generation restarted from a lower revision (a restore to an earlier point): age, not revision, decides.
        Generation old = new Backups.Writer(OLD, 5_000)
                .full(at("2026-11-22T05:00:00Z")).delta(at("2026-11-22T05:30:00Z"), 10)
                .full(at("2026-11-22T06:00:00Z")).delta(at("2026-11-22T06:30:00Z"), 10)
                .full(at("2026-11-22T07:00:00Z")).delta(at("2026-11-22T07:20:00Z"), 10)
                .build();
        Generation young = new Backups.Writer(NEW, 100)
                .full(at("2026-11-22T08:00:00Z")).delta(at("2026-11-22T08:30:00Z"), 10)
                .full(at("2026-11-22T09:00:00Z")).delta(at("2026-11-22T09:30:00Z"), 10)
                .build();

        RetentionDecision decision = RetentionPolicies.limitBased(3).decide(List.of(young, old), at("2026-11-22T10:00:00Z"));

        assertThat(keptFullTimes(decision)).containsExactlyElementsOf(
                instants("2026-11-22T07:00:00Z", "2026-11-22T08:00:00Z", "2026-11-22T09:00:00Z"));
        // The old generation's last full snapshot keeps its tail: restore up to the generation's end still works.
        assertThat(decision.keptDeltas()).extracting(DeltaSegmentRef::key).contains(old.deltas().get(2).key());
        assertThat(decision.deletedKeys()).containsExactly(
                old.fulls().get(0).key(), old.fulls().get(1).key(), old.deltas().get(0).key(), old.deltas().get(1).key());
    }

    @Test
    void anOldGenerationBeyondTheLimitIsDeletedWholeWithItsGenerationFile() {
        Generation old = new Backups.Writer(OLD, 5_000)
                .full(at("2026-11-22T05:00:00Z")).delta(at("2026-11-22T05:30:00Z"), 10)
                .build();
        Generation young = new Backups.Writer(NEW, 100)
                .full(at("2026-11-22T08:00:00Z")).delta(at("2026-11-22T08:30:00Z"), 10)
                .full(at("2026-11-22T09:00:00Z"))
                .build();

        RetentionDecision decision = RetentionPolicies.limitBased(2).decide(List.of(old, young), at("2026-11-22T10:00:00Z"));

        assertThat(decision.deletedGenerations()).containsExactly(OLD);
        assertThat(decision.deletions()).extracting(RetentionDecision.Deletion::key, RetentionDecision.Deletion::reason).containsExactly(
                org.assertj.core.groups.Tuple.tuple(old.fulls().get(0).key(), "beyond the newest 2 full snapshots"),
                org.assertj.core.groups.Tuple.tuple(old.deltas().get(0).key(), "not needed by any retained full snapshot"),
                org.assertj.core.groups.Tuple.tuple(BackupLayout.generationInfoKey(OLD), "generation holds nothing retained"));
        assertThat(decision.deletedBytes()).isEqualTo(100_000 + 1_000);
    }
}
