package io.etcdbackup.snapshot.copy;

import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
import io.etcdbackup.snapshot.catalog.FullSnapshotRef;
import io.etcdbackup.snapshot.catalog.Generation;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** When a store's backups end with the full snapshot a sidecar takes as it stops. */
class FinalSnapshotTest {

    private static final Instant AT = Instant.parse("2026-12-07T00:00:00Z");

    private static FullSnapshotRef full(String generation, long revision) {
        return new FullSnapshotRef("eba-v1/" + generation + "/full/" + revision, generation, revision, AT, 1);
    }

    private static DeltaSegmentRef delta(String generation, long first, long last) {
        return new DeltaSegmentRef("eba-v1/" + generation + "/delta/" + first + "-" + last, generation, first, last, 1, AT);
    }

    @Test
    void aFullSnapshotAtOrAfterTheLastSegmentOfTheNewestGenerationIsFinal() {
        assertThat(FinalSnapshot.isTaken(List.of(new Generation("g", List.of(full("g", 10), full("g", 50)),
                List.of(delta("g", 11, 30), delta("g", 31, 50)))))).isTrue();
        assertThat(FinalSnapshot.isTaken(List.of(new Generation("g", List.of(full("g", 10)), List.of())))).isTrue();
    }

    @Test
    void segmentsAfterTheNewestFullSnapshotOrNoFullSnapshotAreNotFinal() {
        assertThat(FinalSnapshot.isTaken(List.of(new Generation("g", List.of(full("g", 10)), List.of(delta("g", 11, 30)))))).isFalse();
        assertThat(FinalSnapshot.isTaken(List.of(new Generation("old", List.of(full("old", 99)), List.of()),
                new Generation("new", List.of(), List.of())))).isFalse();
        assertThat(FinalSnapshot.isTaken(List.of())).isFalse();
    }
}
