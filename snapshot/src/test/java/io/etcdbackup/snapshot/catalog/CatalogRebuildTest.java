package io.etcdbackup.snapshot.catalog;

import io.etcdbackup.snapshot.testing.DeltaSegments;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.local.LocalStoreProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class CatalogRebuildTest {

    private static final String GEN = "20261122T000000000Z-0001";
    private static final Instant T = Instant.parse("2026-11-22T00:00:00Z");

    @TempDir
    Path dir;

    @Test
    void aRebuildTakesTheObjectsItIndexesOffTheRemovalList() throws Exception {
        try (ObjectStore store = LocalStoreProvider.at(dir)) {
            Catalog catalog = new Catalog(store, new CatalogWriter(store, "capture", Clock.fixed(T, ZoneOffset.UTC)));
            catalog.recordGeneration(new GenerationInfo(GEN, "test", T, 1, 1, null));
            DeltaSegmentRef first = DeltaSegments.write(store, GEN, List.of(DeltaSegments.put("/a", "1", 2, 2, 1, 0)), List.of(), List.of(), T);
            DeltaSegmentRef second = DeltaSegments.write(store, GEN, List.of(DeltaSegments.put("/a", "2", 2, 3, 2, 0)), List.of(), List.of(), T);
            // The originals of a merge await deletion; the merged segment is indexed.
            DeltaSegmentRef merged = DeltaSegments.write(store, GEN, List.of(DeltaSegments.put("/a", "1", 2, 2, 1, 0),
                    DeltaSegments.put("/a", "2", 2, 3, 2, 0)), List.of(), List.of(), T);
            catalog.recordDelta(merged);
            catalog.writer().orElseThrow().update(state -> new CatalogState(state.formatVersion(), state.sequence(), state.epoch(),
                    state.writer(), state.updatedAt(), state.generations(), List.of(new CatalogState.RemovedObject(first.key(), T, "merged"),
                    new CatalogState.RemovedObject(second.key(), T, "merged"), new CatalogState.RemovedObject("eba-v1/gone", T, "test"))));

            CatalogRebuild.Result result = CatalogRebuild.rebuildFromHeaders(store, new CatalogWriter(store, "rebuild",
                    Clock.fixed(T, ZoneOffset.UTC)), T);

            assertThat(result.indexed()).isEqualTo(3);
            CatalogState index = new Catalog(store).index().orElseThrow();
            assertThat(index.generations().get(0).deltas()).extracting(DeltaSegmentRef::key)
                    .containsExactlyInAnyOrder(first.key(), second.key(), merged.key());
            assertThat(index.removed()).extracting(CatalogState.RemovedObject::key).containsExactly("eba-v1/gone");
        }
    }
}
