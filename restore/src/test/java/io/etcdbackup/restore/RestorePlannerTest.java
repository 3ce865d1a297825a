package io.etcdbackup.restore;

import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
import io.etcdbackup.snapshot.catalog.FullSnapshotRef;
import io.etcdbackup.snapshot.catalog.Generation;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RestorePlannerTest {

    private static final String GEN = "20261122T000000000Z-0001";
    private static final Instant T = Instant.parse("2026-11-22T00:00:00Z");

    private static FullSnapshotRef full(long revision) {
        return new FullSnapshotRef("full-" + revision, GEN, revision, T.plusSeconds(revision), 100);
    }

    private static DeltaSegmentRef delta(long first, long last) {
        return new DeltaSegmentRef("delta-" + first + "-" + last, GEN, first, last, 10, T);
    }

    @Test
    void theLatestPlanIsTheNewestFullAndEveryDeltaAfterIt() {
        Generation generation = new Generation(GEN, List.of(full(10), full(50)),
                List.of(delta(11, 30), delta(31, 60), delta(61, 70)));
        RestorePlan plan = RestorePlanner.planFrom(generation);
        assertThat(plan.full().revision()).isEqualTo(50);
        assertThat(plan.deltas()).extracting(DeltaSegmentRef::key).containsExactly("delta-31-60", "delta-61-70");
        assertThat(plan.targetRevision()).isEqualTo(70);
        assertThat(plan.totalBytes()).isEqualTo(120);
    }

    @Test
    void overlappingSegmentsFromAHandoverAreToleratedAndWhollyCoveredOnesSkipped() {
        Generation generation = new Generation(GEN, List.of(full(10)),
                List.of(delta(11, 20), delta(15, 25), delta(16, 18), delta(26, 30)));
        RestorePlan plan = RestorePlanner.planFrom(generation);
        assertThat(plan.deltas()).extracting(DeltaSegmentRef::key).containsExactly("delta-11-20", "delta-15-25", "delta-26-30");
        assertThat(plan.targetRevision()).isEqualTo(30);
    }

    @Test
    void aGapIsRefusedNamingTheMissingRevisions() {
        Generation generation = new Generation(GEN, List.of(full(10)), List.of(delta(11, 20), delta(23, 30)));
        assertThatThrownBy(() -> RestorePlanner.planFrom(generation))
                .isInstanceOfSatisfying(RevisionGapException.class, e -> {
                    assertThat(e.coveredUpTo()).isEqualTo(20);
                    assertThat(e.nextFirst()).isEqualTo(23);
                })
                .hasMessageContaining("revisions 21..22");
    }

    @Test
    void aFullWithoutDeltasIsAPlanOfOneObject() {
        RestorePlan plan = RestorePlanner.planFrom(new Generation(GEN, List.of(full(10)), List.of(delta(3, 9))));
        assertThat(plan.objectCount()).isEqualTo(1);
        assertThat(plan.targetRevision()).isEqualTo(10);
    }

    @Test
    void aPointInTimeStartsFromTheNewestFullAtOrBelowItAndStopsThere() {
        Generation generation = new Generation(GEN, List.of(full(10), full(50)),
                List.of(delta(11, 30), delta(31, 60), delta(61, 70)));
        RestorePlan plan = RestorePlanner.atRevision(List.of(generation), 45, Long.MAX_VALUE).orElseThrow();
        assertThat(plan.full().revision()).isEqualTo(10);
        assertThat(plan.deltas()).extracting(DeltaSegmentRef::key).containsExactly("delta-11-30", "delta-31-60");
        assertThat(plan.targetRevision()).isEqualTo(45);
        assertThat(plan.exact()).isTrue();

        RestorePlan atFull = RestorePlanner.atRevision(List.of(generation), 50, Long.MAX_VALUE).orElseThrow();
        assertThat(atFull.full().revision()).isEqualTo(50);
        assertThat(atFull.deltas()).isEmpty();
    }

    @Test
    void aBaseFoundPastTheTargetIsReplacedByAnOlderOne() {
        Generation generation = new Generation(GEN, List.of(full(10), full(50)), List.of(delta(11, 30), delta(31, 60)));
        RestorePlan plan = RestorePlanner.atRevision(List.of(generation), 55, 50).orElseThrow();
        assertThat(plan.full().revision()).isEqualTo(10);
        assertThat(plan.deltas()).extracting(DeltaSegmentRef::key).containsExactly("delta-11-30", "delta-31-60");
    }

    @Test
    void theNewestGenerationHoldingTheRevisionIsChosen() {
        String older = "20261121T000000000Z-0001";
        Generation first = new Generation(older, List.of(new FullSnapshotRef("old-full", older, 5, T, 100)),
                List.of(new DeltaSegmentRef("old-delta", older, 6, 100, 10, T)));
        Generation second = new Generation(GEN, List.of(full(40)), List.of(delta(41, 60)));
        assertThat(RestorePlanner.atRevision(List.of(first, second), 50, Long.MAX_VALUE).orElseThrow().generation()).isEqualTo(GEN);
        assertThat(RestorePlanner.atRevision(List.of(first, second), 30, Long.MAX_VALUE).orElseThrow().generation()).isEqualTo(older);
        assertThat(RestorePlanner.atRevision(List.of(first, second), 101, Long.MAX_VALUE)).isEmpty();
    }

    @Test
    void aPointPastTheEndOfTheChainIsAGap() {
        Generation generation = new Generation(GEN, List.of(full(10)), List.of(delta(11, 20), delta(25, 30)));
        assertThatThrownBy(() -> RestorePlanner.atRevision(List.of(generation), 27, Long.MAX_VALUE))
                .isInstanceOf(RevisionGapException.class).hasMessageContaining("revisions 21..24");
    }
}
