package io.etcdbackup.restore.keys;

import io.etcd.jetcd.api.Event;
import io.etcdbackup.restore.NoBackupException;
import io.etcdbackup.restore.RevisionGapException;
import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.snapshot.format.ObjectHeader;
import io.etcdbackup.snapshot.testing.DeltaSegments;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.local.LocalStoreProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import static io.etcdbackup.snapshot.testing.DeltaSegments.delete;
import static io.etcdbackup.snapshot.testing.DeltaSegments.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** History is read from delta segments alone, as etcd's watch would replay it. */
class KeyHistoryTest {

    private static final String GENERATION = "20261207T100000000Z-abcd";
    private static final Instant T0 = Instant.parse("2026-12-07T10:00:00Z");

    @TempDir
    Path dir;

    private ObjectStore store;

    @BeforeEach
    void openStore() throws Exception {
        store = LocalStoreProvider.at(dir);
    }

    @AfterEach
    void closeStore() throws Exception {
        store.close();
    }

    /** Revisions 10..12 received at T0+1s, 13..15 (one segment overlapping the first, as after a leader handover) at T0+2s. */
    private void writeChain() throws Exception {
        DeltaSegments.write(store, GENERATION, List.of(
                put("/a/1", "one", 10, 10, 1, 0),
                put("/b/1", "other", 11, 11, 1, 0),
                put("/a/1", "one-v2", 10, 12, 2, 0)), List.of(), List.of(new ObjectHeader.RevisionTime(12, T0.plusSeconds(1).toEpochMilli())),
                T0.plusSeconds(1));
        DeltaSegments.write(store, GENERATION, List.of(
                put("/a/1", "one-v2", 10, 12, 2, 0),
                put("/a/2", "two", 13, 13, 1, 0),
                put("/a/3", "three", 13, 13, 1, 0),
                delete("/a/1", 14),
                put("/b/1", "other-v2", 11, 15, 2, 0)), List.of(),
                List.of(new ObjectHeader.RevisionTime(15, T0.plusSeconds(2).toEpochMilli())), T0.plusSeconds(2));
    }

    private List<String> history(HistoryRange range, String prefix) throws Exception {
        List<String> changes = new ArrayList<>();
        new KeyHistory(new Catalog(store)).read(range, KeyPrefix.of(prefix), change -> {
            changes.add(change.revision() + "." + change.index() + " " + change.type() + " " + change.kv().getKey().toStringUtf8()
                    + (change.type() == Event.EventType.PUT ? "=" + change.kv().getValue().toStringUtf8() : "")
                    + " @" + change.receivedAt().map(t -> t.getEpochSecond() - T0.getEpochSecond()).orElse(-1L));
            return true;
        });
        return changes;
    }

    @Test
    void everyChangeUnderThePrefixInRevisionOrderOnceEvenWhereSegmentsOverlap() throws Exception {
        writeChain();

        assertThat(history(HistoryRange.all(), "/a/")).containsExactly(
                "10.0 PUT /a/1=one @1",
                "12.0 PUT /a/1=one-v2 @1",
                "13.0 PUT /a/2=two @2",
                "13.1 PUT /a/3=three @2",
                "14.0 DELETE /a/1 @2");
    }

    @Test
    void aRangeOfRevisionsOrOfReceiveTimes() throws Exception {
        writeChain();

        assertThat(history(HistoryRange.fromRevision(12).toRevision(13), "/a/")).containsExactly(
                "12.0 PUT /a/1=one-v2 @1", "13.0 PUT /a/2=two @2", "13.1 PUT /a/3=three @2");
        assertThat(history(new HistoryRange(OptionalLong.empty(), Optional.of(T0.plusMillis(1500)), OptionalLong.empty(),
                Optional.empty()), "/")).containsExactly(
                "13.0 PUT /a/2=two @2", "13.1 PUT /a/3=three @2", "14.0 DELETE /a/1 @2", "15.0 PUT /b/1=other-v2 @2");
        assertThat(history(new HistoryRange(OptionalLong.empty(), Optional.empty(), OptionalLong.empty(),
                Optional.of(T0.plusMillis(1500))), "/b/")).containsExactly("11.0 PUT /b/1=other @1");
    }

    @Test
    void aStartBeforeTheRetainedSegmentsIsRefusedNamingWhereHistoryStarts() throws Exception {
        writeChain();

        assertThatThrownBy(() -> history(HistoryRange.fromRevision(9), "/"))
                .isInstanceOf(NoBackupException.class)
                .hasMessageContaining("revision 9 is before the history retained")
                .hasMessageContaining("start at revision 10");
        assertThatThrownBy(() -> history(new HistoryRange(OptionalLong.empty(), Optional.of(T0), OptionalLong.empty(), Optional.empty()), "/"))
                .isInstanceOf(NoBackupException.class)
                .hasMessageContaining("starts at revision 10");
    }

    @Test
    void aMissingSegmentIsAGapNotASilentlyShorterHistory() throws Exception {
        DeltaSegments.write(store, GENERATION, List.of(put("/a/1", "x", 10, 10, 1, 0)), List.of(), List.of(), T0);
        DeltaSegments.write(store, GENERATION, List.of(put("/a/1", "y", 10, 12, 2, 0)), List.of(), List.of(), T0);

        assertThatThrownBy(() -> history(HistoryRange.all(), "/a/")).isInstanceOf(RevisionGapException.class);
    }

    @Test
    void theRangeIsReadInTheGenerationHoldingItNeverAcrossTwo() throws Exception {
        writeChain(); // 10..15 in the older generation
        String newer = "20261207T110000000Z-ef01";
        DeltaSegments.write(store, newer, List.of(put("/a/1", "after a restore", 20, 20, 1, 0)), List.of(), List.of(),
                T0.plusSeconds(60));

        assertThat(history(HistoryRange.fromRevision(13).toRevision(14), "/a/")).containsExactly(
                "13.0 PUT /a/2=two @2", "13.1 PUT /a/3=three @2", "14.0 DELETE /a/1 @2");
        assertThat(history(HistoryRange.fromRevision(14), "/a/")).as("to the end of the older generation only")
                .containsExactly("14.0 DELETE /a/1 @2");
        assertThat(history(HistoryRange.all(), "/a/")).containsExactly("20.0 PUT /a/1=after a restore @-1");
    }

    @Test
    void noSegmentsMeansNoHistory() {
        assertThatThrownBy(() -> history(HistoryRange.all(), "/")).isInstanceOf(NoBackupException.class)
                .hasMessageContaining("no delta segments");
    }
}
