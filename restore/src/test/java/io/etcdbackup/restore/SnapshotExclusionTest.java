package io.etcdbackup.restore;

import io.etcdbackup.snapshot.catalog.BackupLayout;
import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.snapshot.catalog.CatalogWriter;
import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
import io.etcdbackup.snapshot.catalog.FullSnapshotRef;
import io.etcdbackup.snapshot.catalog.GenerationInfo;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.WriteMode;
import io.etcdbackup.stores.faults.FaultInjectingObjectStore;
import io.etcdbackup.stores.local.LocalStoreProvider;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.time.Clock;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Snapshots labelled {@code x-etcd-snapshot-exclude=true} are left out of restores. The labels
 * are real: user extended attributes of the local store's files, as {@code setfattr} sets them.
 * One chain: full snapshots at 100 and 200, delta segments of ten revisions from 101 to 300.
 */
class SnapshotExclusionTest {

    private static final String GEN = "20261122T000000000Z-0001";
    private static final Instant T = Instant.parse("2026-11-22T00:00:00Z");

    @TempDir
    Path dir;
    private ObjectStore store;
    private Catalog catalog;

    @BeforeEach
    void backUp() throws Exception {
        store = LocalStoreProvider.at(dir);
        catalog = new Catalog(store, new CatalogWriter(store, "test", Clock.systemUTC()));
        catalog.recordGeneration(new GenerationInfo(GEN, "test", T, 1, 100, null));
        for (long revision : new long[] {100, 200}) {
            store.put(fullKey(revision), new byte[] {0}, WriteMode.IF_ABSENT);
            catalog.recordFull(new FullSnapshotRef(fullKey(revision), GEN, revision, T.plusSeconds(revision), 1));
        }
        for (long first = 101; first < 300; first += 10) {
            store.put(BackupLayout.deltaKey(GEN, first, first + 9), new byte[] {1}, WriteMode.IF_ABSENT);
            catalog.recordDelta(new DeltaSegmentRef(BackupLayout.deltaKey(GEN, first, first + 9), GEN, first, first + 9, 1,
                    T.plusSeconds(first + 9)));
        }
        var view = Files.getFileAttributeView(dir.resolve(fullKey(100)), UserDefinedFileAttributeView.class);
        assumeTrue(view != null && view.list() != null, "no user extended attributes on this file system");
    }

    private static String fullKey(long revision) {
        return BackupLayout.fullKey(GEN, revision, T.plusSeconds(revision));
    }

    private void exclude(String key) throws Exception {
        Files.getFileAttributeView(dir.resolve(key), UserDefinedFileAttributeView.class)
                .write(SnapshotExclusions.LABEL, ByteBuffer.wrap("true".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void withoutLabelsTheLatestStateIsTheNewestFullAndEveryDeltaAfterIt() throws Exception {
        RestorePlan plan = new RestorePlanner(catalog).latest();
        assertThat(plan.full().revision()).isEqualTo(200);
        assertThat(plan.targetRevision()).isEqualTo(300);
    }

    @Test
    void anExcludedFullSnapshotGivesWayToTheOlderOne() throws Exception {
        exclude(fullKey(200));
        RestorePlan plan = new RestorePlanner(catalog).latest();
        assertThat(plan.full().revision()).isEqualTo(100);
        assertThat(plan.targetRevision()).isEqualTo(300);
        assertThat(plan.deltas()).hasSize(20);
    }

    @Test
    void theLatestStateStopsBeforeAnExcludedDeltaSegment() throws Exception {
        exclude(BackupLayout.deltaKey(GEN, 251, 260));
        RestorePlan plan = new RestorePlanner(catalog).latest();
        assertThat(plan.full().revision()).isEqualTo(200);
        assertThat(plan.targetRevision()).isEqualTo(250);
    }

    @Test
    void aPointPastAnExcludedDeltaSegmentIsAGapNamingIt() throws Exception {
        exclude(BackupLayout.deltaKey(GEN, 251, 260));
        assertThat(new RestorePlanner(catalog).plan(new RestorePoint.AtRevision(250)).targetRevision()).isEqualTo(250);
        assertThatThrownBy(() -> new RestorePlanner(catalog).plan(new RestorePoint.AtRevision(270)))
                .isInstanceOf(RevisionGapException.class)
                .hasMessageContaining("revisions 251..260").hasMessageContaining(SnapshotExclusions.LABEL + "=true")
                .hasMessageContaining(BackupLayout.deltaKey(GEN, 251, 260));
    }

    @Test
    void labelsOtherThanTrueExcludeNothing() throws Exception {
        Files.getFileAttributeView(dir.resolve(fullKey(200)), UserDefinedFileAttributeView.class)
                .write(SnapshotExclusions.LABEL, ByteBuffer.wrap("false".getBytes(StandardCharsets.UTF_8)));
        assertThat(new RestorePlanner(catalog).latest().full().revision()).isEqualTo(200);
    }

    @Test
    void labelsTheStoreWillNotGiveExcludeNothingAndDoNotFailTheRestore() throws Exception {
        exclude(fullKey(200));
        FaultInjectingObjectStore refusing = new FaultInjectingObjectStore(store, 1);
        refusing.on(FaultInjectingObjectStore.Operation.LABELS).fail(() -> new IOException("HTTP 403 AccessDenied (s3:GetObjectTagging)"));
        RestorePlan plan = new RestorePlanner(new Catalog(refusing)).latest();
        assertThat(plan.full().revision()).isEqualTo(200); // the label could not be read
        assertThat(refusing.injectedCount()).as("refused reads stop once one is refused").isLessThanOrEqualTo(SnapshotExclusions.PARALLEL_READS);
    }
}
