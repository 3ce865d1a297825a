package io.etcdbackup.agent.backup;

import io.etcdbackup.restore.RestoreEstimate;
import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
import io.etcdbackup.snapshot.catalog.FullSnapshotRef;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ChainTrackerTest {

    private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");

    private static FullSnapshotRef full(long revision, long size) {
        return new FullSnapshotRef("g1/full-" + revision, "g1", revision, T0, size);
    }

    private static DeltaSegmentRef delta(long first, long last, long size) {
        return new DeltaSegmentRef("g1/delta-" + first + "-" + last, "g1", first, last, size, T0.plusSeconds(last));
    }

    @Test
    void beforeABaseThereIsNoChain() {
        ChainTracker tracker = new ChainTracker();
        assertThat(tracker.chain(500)).isEqualTo(ChainStats.EMPTY);
        assertThat(tracker.latestFull()).isEmpty();
        assertThat(tracker.isNewerBase(full(1, 10))).isTrue();
    }

    @Test
    void publishedSegmentsAreCountedSinceTheBase() {
        ChainTracker tracker = new ChainTracker();
        tracker.fullTaken(full(100, 1_000));
        tracker.deltaPublished(delta(101, 110, 50), 7, T0.plusSeconds(20));
        tracker.deltaPublished(delta(111, 130, 70), 15, T0.plusSeconds(40));

        ChainStats chain = tracker.chain(130);
        assertThat(chain.segments()).isEqualTo(2);
        assertThat(chain.events()).isEqualTo(22);
        assertThat(chain.bytes()).isEqualTo(120);
        assertThat(chain.revisions()).isEqualTo(30);
        assertThat(chain.predictedRestore()).isEqualTo(RestoreEstimate.DEFAULT.of(1_120, 30));
        assertThat(tracker.lastDelta()).contains(delta(111, 130, 70));
        assertThat(tracker.lastDeltaAt()).contains(T0.plusSeconds(40));
    }

    @Test
    void aNewFullSnapshotResetsTheCountersButKeepsTheLastDelta() {
        ChainTracker tracker = new ChainTracker();
        tracker.fullTaken(full(100, 1_000));
        tracker.deltaPublished(delta(101, 110, 50), 7, T0.plusSeconds(20));

        tracker.fullTaken(full(110, 1_100));

        ChainStats chain = tracker.chain(110);
        assertThat(chain.segments()).isZero();
        assertThat(chain.events()).isZero();
        assertThat(chain.bytes()).isZero();
        assertThat(chain.revisions()).isZero();
        assertThat(tracker.latestFull()).contains(full(110, 1_100));
        assertThat(tracker.lastDelta()).as("the last delta is any generation's").contains(delta(101, 110, 50));
    }

    @Test
    void revisionsBehindTheBaseAreNeverNegative() {
        ChainTracker tracker = new ChainTracker();
        tracker.fullTaken(full(100, 1_000));
        assertThat(tracker.chain(90).revisions()).isZero();
    }

    @Test
    void aContinuedChainCountsTheIndexedSegmentsAndRevisionsForEvents() {
        ChainTracker tracker = new ChainTracker();
        tracker.continued(full(100, 1_000), List.of(delta(101, 120, 40), delta(121, 150, 60)), 150);

        ChainStats chain = tracker.chain(150);
        assertThat(chain.segments()).isEqualTo(2);
        assertThat(chain.bytes()).isEqualTo(100);
        assertThat(chain.events()).as("revisions stand in for events not captured here").isEqualTo(50);
    }

    @Test
    void aCompactionRebasesTheChainOnItsNewerFullSnapshot() {
        ChainTracker tracker = new ChainTracker();
        tracker.fullTaken(full(100, 1_000));
        tracker.deltaPublished(delta(101, 150, 80), 49, T0.plusSeconds(20));
        tracker.deltaPublished(delta(151, 170, 30), 19, T0.plusSeconds(40));

        assertThat(tracker.rebase(full(150, 1_200), List.of(delta(151, 170, 30)))).isTrue();

        ChainStats chain = tracker.chain(170);
        assertThat(tracker.latestFull()).contains(full(150, 1_200));
        assertThat(chain.segments()).isEqualTo(1);
        assertThat(chain.bytes()).isEqualTo(30);
        assertThat(chain.events()).isEqualTo(20);
        assertThat(chain.revisions()).isEqualTo(20);
    }

    @Test
    void aRebaseWithNothingAfterTheNewBaseLeavesAnEmptyChain() {
        ChainTracker tracker = new ChainTracker();
        tracker.fullTaken(full(100, 1_000));
        tracker.deltaPublished(delta(101, 150, 80), 49, T0.plusSeconds(20));

        assertThat(tracker.rebase(full(150, 1_200), List.of())).isTrue();

        assertThat(tracker.chain(150).segments()).isZero();
        assertThat(tracker.chain(150).events()).isZero();
    }

    @Test
    void aFullSnapshotTakenDuringACompactionWinsOverTheCompactionsBase() {
        ChainTracker tracker = new ChainTracker();
        tracker.fullTaken(full(100, 1_000));
        tracker.deltaPublished(delta(101, 150, 80), 49, T0.plusSeconds(20));
        tracker.fullTaken(full(160, 1_300));

        assertThat(tracker.isNewerBase(full(150, 1_200))).isFalse();
        assertThat(tracker.rebase(full(150, 1_200), List.of())).isFalse();
        assertThat(tracker.latestFull()).contains(full(160, 1_300));
        assertThat(tracker.rebase(full(160, 1_250), List.of())).as("the same revision is no newer").isFalse();
    }

    @Test
    void captureStartingCountsAsTheLastDeltaTimeUntilASegmentIsPublished() {
        ChainTracker tracker = new ChainTracker();
        assertThat(tracker.lastDeltaAt()).isEmpty();
        tracker.captureStarted(T0);
        assertThat(tracker.lastDeltaAt()).contains(T0);
        assertThat(tracker.lastDelta()).isEmpty();
    }
}
