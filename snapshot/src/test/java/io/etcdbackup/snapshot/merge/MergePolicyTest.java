package io.etcdbackup.snapshot.merge;

import io.etcdbackup.snapshot.catalog.BackupLayout;
import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
import io.etcdbackup.snapshot.catalog.FullSnapshotRef;
import io.etcdbackup.snapshot.catalog.Generation;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MergePolicyTest {

    private static final String GEN = "20261101T000000000Z-0001";
    private static final Instant START = Instant.parse("2026-11-01T00:00:00Z");
    private static final Instant NOW = START.plus(Duration.ofHours(1));
    private static final MergePolicy FOUR = new MergePolicy(4, 3, 1 << 20, Duration.ofMinutes(10));

    /** A segment of revisions {@code first..last}, published {@code minutesAgo} before {@link #NOW}. */
    private static DeltaSegmentRef segment(long first, long last, int level, long minutesAgo) {
        return new DeltaSegmentRef(BackupLayout.deltaKey(GEN, first, last), GEN, first, last, 100, NOW.minus(Duration.ofMinutes(minutesAgo)),
                level);
    }

    /** {@code count} one-revision level-0 segments from {@code first}, published a minute apart, the last {@code newestAgo} minutes ago. */
    private static List<DeltaSegmentRef> captured(long first, int count, long newestAgo) {
        List<DeltaSegmentRef> segments = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            segments.add(segment(first + i, first + i, 0, newestAgo + count - 1 - i));
        }
        return segments;
    }

    private static Generation generation(List<DeltaSegmentRef> deltas) {
        return new Generation(GEN, List.of(new FullSnapshotRef(BackupLayout.fullKey(GEN, 1, START), GEN, 1, START, 10)), deltas);
    }

    private static List<String> firstKeys(List<List<DeltaSegmentRef>> runs) {
        return runs.stream().map(run -> run.get(0).firstRevision() + ".." + run.get(run.size() - 1).lastRevision()).toList();
    }

    @Test
    void consecutiveRunsOfFanInSegmentsMergeOldestFirstAndARemainderWaits() {
        List<List<DeltaSegmentRef>> runs = FOUR.runs(generation(captured(2, 11, 30)), NOW);

        assertThat(firstKeys(runs)).containsExactly("2..5", "6..9");
        assertThat(runs).allSatisfy(run -> assertThat(run).hasSize(4));
    }

    @Test
    void theLiveTailYoungerThanTheMinimumAgeIsNotTouched() {
        // Sixteen segments published one a minute, the newest now: only the six at least ten minutes old qualify.
        List<List<DeltaSegmentRef>> runs = FOUR.runs(generation(captured(2, 16, 0)), NOW);

        assertThat(firstKeys(runs)).containsExactly("2..5");
        assertThat(new MergePolicy(4, 3, 1 << 20, Duration.ZERO).runs(generation(captured(2, 16, 0)), NOW)).hasSize(4);
    }

    @Test
    void onlySegmentsOfOneLevelMergeAndTheMaximumLevelIsFinal() {
        List<DeltaSegmentRef> deltas = new ArrayList<>();
        deltas.add(segment(2, 100, 3, 60));                  // at the maximum level: never merged again
        for (int i = 0; i < 4; i++) {
            deltas.add(segment(101 + 10L * i, 110 + 10L * i, 2, 50)); // four level-2 segments: one run
        }
        for (int i = 0; i < 3; i++) {
            deltas.add(segment(141 + 10L * i, 150 + 10L * i, 1, 40)); // three level-1 segments: too few
        }
        deltas.addAll(captured(171, 4, 20));                 // four level-0 segments: one run

        List<List<DeltaSegmentRef>> runs = FOUR.runs(generation(deltas), NOW);

        assertThat(firstKeys(runs)).containsExactly("101..140", "171..174");
        assertThat(runs.get(0)).allSatisfy(s -> assertThat(s.level()).isEqualTo(2));
    }

    @Test
    void aGapOrAnOverlapStartsARunAfresh() {
        List<DeltaSegmentRef> deltas = new ArrayList<>(captured(2, 3, 30));   // 2..4
        deltas.addAll(captured(6, 3, 30));                                     // a gap at 5: 6..8 cannot join 2..4
        deltas.add(segment(8, 12, 0, 30));                                     // overlaps 8: cannot join 6..8
        deltas.addAll(captured(13, 3, 30));                                    // 13..15 continue 8..12

        List<List<DeltaSegmentRef>> runs = FOUR.runs(generation(deltas), NOW);

        assertThat(firstKeys(runs)).containsExactly("8..15");
    }

    @Test
    void aRunLargerThanTheSizeLimitLeavesItsOldestSegmentsOut() {
        List<DeltaSegmentRef> deltas = new ArrayList<>();
        deltas.add(new DeltaSegmentRef(BackupLayout.deltaKey(GEN, 2, 2), GEN, 2, 2, 900, NOW.minus(Duration.ofHours(1)), 0));
        deltas.addAll(captured(3, 4, 30)); // 100 bytes each

        MergePolicy policy = new MergePolicy(4, 3, 1000, Duration.ZERO);

        assertThat(firstKeys(policy.runs(generation(deltas), NOW))).containsExactly("3..6");
    }

    @Test
    void aRunMayCrossAFullSnapshot() {
        List<DeltaSegmentRef> deltas = captured(2, 4, 30);
        Generation generation = new Generation(GEN, List.of(new FullSnapshotRef(BackupLayout.fullKey(GEN, 1, START), GEN, 1, START, 10),
                new FullSnapshotRef(BackupLayout.fullKey(GEN, 3, START), GEN, 3, START.plusSeconds(1), 10)), deltas);

        assertThat(firstKeys(FOUR.runs(generation, NOW))).containsExactly("2..5");
    }

    @Test
    void badSettingsAreRefusedNamingTheValue() {
        assertThatThrownBy(() -> new MergePolicy(1, 3, 10, Duration.ZERO)).hasMessageContaining("fan-in").hasMessageContaining("1");
        assertThatThrownBy(() -> new MergePolicy(2, 0, 10, Duration.ZERO)).hasMessageContaining("max level");
        assertThatThrownBy(() -> new MergePolicy(2, 1, 0, Duration.ZERO)).hasMessageContaining("max segment bytes");
        assertThatThrownBy(() -> new MergePolicy(2, 1, 10, Duration.ofSeconds(-1))).hasMessageContaining("min age");
        assertThat(MergePolicy.defaults()).isEqualTo(new MergePolicy(10, 4, 64L << 20, Duration.ofMinutes(10)));
    }
}
