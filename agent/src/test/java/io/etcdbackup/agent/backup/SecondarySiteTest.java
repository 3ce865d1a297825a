package io.etcdbackup.agent.backup;

import io.etcdbackup.agent.testing.ManualClock;
import io.etcdbackup.snapshot.catalog.BackupLayout;
import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.snapshot.catalog.CatalogWriter;
import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
import io.etcdbackup.snapshot.catalog.FullSnapshotRef;
import io.etcdbackup.snapshot.catalog.GenerationInfo;
import io.etcdbackup.snapshot.format.Codec;
import io.etcdbackup.snapshot.format.ObjectHeader;
import io.etcdbackup.snapshot.format.ObjectPublisher;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.faults.FaultInjectingObjectStore;
import io.etcdbackup.stores.local.LocalStoreProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The second store: synced every period, its lag reported in revisions and seconds, caught up after an outage. */
class SecondarySiteTest {

    private static final String GEN = "20261207T000000000Z-0001";
    private static final Instant START = Instant.parse("2026-12-07T00:00:00Z");

    @TempDir
    Path dir;

    private static void publishDelta(Catalog catalog, long revision) throws IOException {
        String key = BackupLayout.deltaKey(GEN, revision, revision);
        ObjectHeader header = ObjectHeader.deltaSegment(GEN, revision, revision, 7, 8, "3.5.16", Codec.ZSTD, START, 1, List.of(), List.of());
        long size = new ObjectPublisher(catalog.store()).publish(key, header, 1, ObjectPublisher.IfExists.FAIL,
                out -> out.write(("revision " + revision).getBytes(StandardCharsets.UTF_8))).size();
        catalog.recordDelta(new DeltaSegmentRef(key, GEN, revision, revision, size, START));
    }

    @Test
    void theSecondStoreCatchesUpAfterAnOutageAndReportsHowFarBehindItWas() throws IOException {
        ManualClock clock = new ManualClock(START);
        try (ObjectStore primaryStore = LocalStoreProvider.at(dir.resolve("primary"));
             ObjectStore secondaryLocal = LocalStoreProvider.at(dir.resolve("secondary"))) {
            Catalog primary = new Catalog(primaryStore, new CatalogWriter(primaryStore, "leader", clock));
            primary.recordGeneration(new GenerationInfo(GEN, "test", START, 7, 10, null));
            String full = BackupLayout.fullKey(GEN, 10, START);
            long size = new ObjectPublisher(primaryStore).publish(full, ObjectHeader.fullSnapshot(GEN, 10, 7, 8, "3.5.16", Codec.ZSTD, START),
                    1, ObjectPublisher.IfExists.FAIL, out -> out.write(new byte[] {1, 2, 3})).size();
            primary.recordFull(new FullSnapshotRef(full, GEN, 10, START, size));
            publishDelta(primary, 11);
            FaultInjectingObjectStore secondaryStore = new FaultInjectingObjectStore(secondaryLocal, 1);
            SecondarySite site = new SecondarySite(primary, new Catalog(secondaryStore, new CatalogWriter(secondaryStore, "leader", clock)),
                    Optional.empty(), Duration.ofMinutes(1), clock);

            site.sync();
            SecondarySite.Status synced = site.status(11, clock.instant());

            secondaryStore.down();
            publishDelta(primary, 12);
            publishDelta(primary, 13);
            clock.advance(Duration.ofMinutes(5));
            site.sync();
            SecondarySite.Status duringOutage = site.status(13, clock.instant());

            secondaryStore.up();
            clock.advance(Duration.ofMinutes(1));
            site.sync();
            SecondarySite.Status afterOutage = site.status(13, clock.instant());

            assertThat(synced.revision()).isEqualTo(11);
            assertThat(synced.behindRevisions()).isZero();
            assertThat(synced.behindSeconds()).isZero();
            assertThat(duringOutage.behindRevisions()).isEqualTo(2);
            assertThat(duringOutage.behindSeconds()).isEqualTo(300);
            assertThat(duringOutage.lastError()).isPresent();
            assertThat(afterOutage.revision()).isEqualTo(13);
            assertThat(afterOutage.behindRevisions()).isZero();
            assertThat(afterOutage.behindSeconds()).isZero();
            assertThat(afterOutage.lastError()).isEmpty();
            assertThat(new Catalog(secondaryLocal).generations().get(0).deltas()).extracting(DeltaSegmentRef::lastRevision)
                    .containsExactly(11L, 12L, 13L);
        }
    }
}
