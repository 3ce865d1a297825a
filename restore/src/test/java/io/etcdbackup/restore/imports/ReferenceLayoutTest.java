package io.etcdbackup.restore.imports;

import io.etcdbackup.restore.NativeFormat;
import io.etcdbackup.restore.NoBackupException;
import io.etcdbackup.restore.RestorePlan;
import io.etcdbackup.restore.RestorePlanner;
import io.etcdbackup.restore.RevisionGapException;
import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
import io.etcdbackup.snapshot.catalog.Generation;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.WriteMode;
import io.etcdbackup.stores.local.LocalStoreProvider;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ReferenceLayoutTest {

    @TempDir
    Path dir;
    private ObjectStore store;

    @BeforeEach
    void openStore() throws Exception {
        store = LocalStoreProvider.at(dir.resolve("store"));
    }

    private void put(String key, int size) throws Exception {
        store.put(key, new byte[size], WriteMode.OVERWRITE);
    }

    private void full(String folder, long last, long unix) throws Exception {
        put(folder + ReferenceObjects.name("Full", 0, last, unix, ".gz"), 100);
    }

    private void incr(String folder, long first, long last, long unix) throws Exception {
        put(folder + ReferenceObjects.name("Incr", first, last, unix, ".gz"), 10);
    }

    @Test
    void theLatestChainIsTheNewestFullAndEveryIncrAfterItInRevisionOrder() throws Exception {
        full("v2/", 10, 1000);
        incr("v2/", 11, 20, 1010);
        full("v2/", 20, 1020);
        incr("v2/", 21, 35, 1030);
        incr("v2/", 30, 40, 1031); // overlap from a leader handover: tolerated
        incr("v2/", 36, 38, 1032); // wholly covered: skipped
        incr("v2/", 41, 123456789, 1040);
        put("v2/README.txt", 5);
        put("v2/Full-00000000-00000099-1050.gz/0000000001", 5); // a chunk segment, not a snapshot

        RestorePlan plan = ReferenceLayout.of(store).latestPlan().orElseThrow();

        assertThat(plan.format()).isSameAs(ReferenceFormat.INSTANCE);
        assertThat(plan.generation()).isEqualTo("v2");
        assertThat(plan.full().key()).isEqualTo("v2/Full-00000000-00000020-1020.gz");
        assertThat(plan.full().revision()).isEqualTo(20);
        assertThat(plan.deltas()).extracting(DeltaSegmentRef::key).containsExactly(
                "v2/Incr-00000021-00000035-1030.gz", "v2/Incr-00000030-00000040-1031.gz", "v2/Incr-00000041-123456789-1040.gz");
        assertThat(plan.targetRevision()).isEqualTo(123_456_789L);
        assertThat(plan.totalBytes()).isEqualTo(130);
    }

    @Test
    void aGapAfterTheBaseIsRefused() throws Exception {
        full("v2/", 10, 1000);
        incr("v2/", 11, 20, 1010);
        incr("v2/", 23, 30, 1020);
        assertThatThrownBy(() -> ReferenceLayout.of(store).latestPlan())
                .isInstanceOfSatisfying(RevisionGapException.class, e -> {
                    assertThat(e.coveredUpTo()).isEqualTo(20);
                    assertThat(e.nextFirst()).isEqualTo(23);
                })
                .hasMessageContaining("revisions 21..22");
    }

    @Test
    void theChainWithTheNewestFullWinsBetweenLegacyFoldersAndV2() throws Exception {
        full("v1/Backup-900/", 5, 900);
        incr("v1/Backup-900/", 6, 8, 950);
        full("v1/Backup-1000/", 50, 1000);
        incr("v1/Backup-1000/", 51, 60, 1010);
        full("v2/", 30, 2000);
        incr("v2/", 31, 40, 2010);

        RestorePlan plan = ReferenceLayout.of(store).latestPlan().orElseThrow();
        assertThat(plan.generation()).isEqualTo("v1/Backup-1000");
        assertThat(plan.targetRevision()).isEqualTo(60);

        List<Generation> chains = ReferenceLayout.of(store).generations();
        assertThat(chains).extracting(Generation::id).containsExactly("v1/Backup-900", "v1/Backup-1000", "v2");
        Generation v2 = chains.get(2);
        assertThat(v2.fulls().get(0).createdAt()).isEqualTo(Instant.ofEpochSecond(2000));
        assertThat(v2.fulls().get(0).size()).isEqualTo(100);
        assertThat(v2.deltas().get(0).firstRevision()).isEqualTo(31);
        assertThat(v2.deltas().get(0).lastRevision()).isEqualTo(40);
        assertThat(v2.deltas().get(0).size()).isEqualTo(10);
    }

    @Test
    void lzwObjectsInThePlanAreRefusedWhenPlanning() throws Exception {
        full("v2/", 10, 1000);
        put("v2/Incr-00000011-00000020-1010.Z", 10);
        assertThatThrownBy(() -> ReferenceLayout.of(store).latestPlan())
                .isInstanceOfSatisfying(UnsupportedReferenceObjectException.class,
                        e -> assertThat(e.key()).isEqualTo("v2/Incr-00000011-00000020-1010.Z"))
                .hasMessageContaining("'.Z'");
    }

    @Test
    void deltasWithoutAFullAreNotRestorable() throws Exception {
        incr("v2/", 11, 20, 1010);
        assertThat(ReferenceLayout.of(store).latestPlan()).isEmpty();
    }

    @Test
    void aPlainEtcdSnapshotFileIsRestoredAsAFullWithoutDeltas() throws Exception {
        store.put("backup.db", ReferenceObjects.fakeSnapshot(5, 1), WriteMode.OVERWRITE);
        store.put("notes/random.bin", new byte[5 * 4096 + 32], WriteMode.OVERWRITE); // right size, no bbolt magic
        store.put("notes/readme.txt", "hello".getBytes(StandardCharsets.UTF_8), WriteMode.OVERWRITE);

        RestorePlan plan = ReferenceLayout.of(store).latestPlan().orElseThrow();
        assertThat(plan.generation()).isEqualTo(ReferenceLayout.PLAIN_SNAPSHOTS);
        assertThat(plan.full().key()).isEqualTo("backup.db");
        assertThat(plan.deltas()).isEmpty();
        assertThat(plan.format()).isSameAs(ReferenceFormat.INSTANCE);
    }

    @Test
    void aPlainSnapshotDoesNotOverrideTheReferencesChain() throws Exception {
        store.put("backup.db", ReferenceObjects.fakeSnapshot(5, 1), WriteMode.OVERWRITE);
        full("v2/", 10, 1000);
        assertThat(ReferenceLayout.of(store).latestPlan().orElseThrow().full().key()).startsWith("v2/Full-");
        assertThat(ReferenceLayout.of(store).generations()).extracting(Generation::id)
                .containsExactly("v2", ReferenceLayout.PLAIN_SNAPSHOTS);
    }

    @Test
    void thePlannerFallsBackToTheReferenceLayoutWhenItsOwnCatalogIsEmpty() throws Exception {
        full("v2/", 10, 1000);
        incr("v2/", 11, 20, 1010);
        RestorePlan plan = new RestorePlanner(new Catalog(store), List.of(ReferenceLayout.of(store))).latest();
        assertThat(plan.format()).isSameAs(ReferenceFormat.INSTANCE).isNotSameAs(NativeFormat.INSTANCE);
        assertThat(plan.targetRevision()).isEqualTo(20);
    }

    @Test
    void anEmptyStoreNamesEverythingThatWasLookedFor() {
        assertThatThrownBy(() -> new RestorePlanner(new Catalog(store), List.of(ReferenceLayout.of(store))).latest())
                .isInstanceOf(NoBackupException.class)
                .hasMessageContaining("eba-v1/")
                .hasMessageContaining("v2/Full-")
                .hasMessageContaining("v1/Backup-");
    }
}
