package io.etcdbackup.snapshot.merge;

import io.etcd.jetcd.api.Event;
import io.etcdbackup.snapshot.catalog.BackupLayout;
import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.snapshot.catalog.CatalogState;
import io.etcdbackup.snapshot.catalog.CatalogWriter;
import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
import io.etcdbackup.snapshot.catalog.FencedWriterException;
import io.etcdbackup.snapshot.catalog.FullSnapshotRef;
import io.etcdbackup.snapshot.catalog.Generation;
import io.etcdbackup.snapshot.catalog.GenerationInfo;
import io.etcdbackup.snapshot.format.Codec;
import io.etcdbackup.snapshot.format.ObjectHeader;
import io.etcdbackup.snapshot.retention.RetentionPolicies;
import io.etcdbackup.snapshot.retention.RetentionRunner;
import io.etcdbackup.snapshot.testing.DeltaSegments;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.WriteMode;
import io.etcdbackup.stores.local.LocalStoreProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MergeRunnerTest {

    private static final String GEN = "20261101T000000000Z-0001";
    private static final Instant START = Instant.parse("2026-11-01T00:00:00Z");
    private static final Instant LATER = START.plus(Duration.ofDays(1));
    private static final MergePolicy TEN = new MergePolicy(10, 2, 1 << 20, Duration.ofMinutes(10));

    @TempDir
    Path dir;

    /** Events of revision {@code r}: a put (leased every 7th), a second put every 5th, a delete every 11th. */
    private static List<Event> revision(long r) {
        List<Event> events = new ArrayList<>();
        events.add(DeltaSegments.put("/k/" + r % 13, "v" + r, 2, r, 1, r % 7 == 0 ? 1000 + r % 3 : 0));
        if (r % 5 == 0) {
            events.add(DeltaSegments.put("/t/" + r, "x".repeat((int) (r % 50)), r, r, 1, 0));
        }
        if (r % 11 == 0) {
            events.add(DeltaSegments.delete("/t/" + (r - 1), r));
        }
        return events;
    }

    /** Lease 1000 + r % 3 with a TTL that tells the segment apart; every 4th segment says "unknown" (0). */
    private static List<ObjectHeader.LeaseRecord> leases(long r) {
        return r % 7 == 0 ? List.of(new ObjectHeader.LeaseRecord(1000 + r % 3, r % 4 == 0 ? 0 : r)) : List.of();
    }

    private static Instant published(long r) {
        return START.plusSeconds(r);
    }

    /**
     * A generation with a full snapshot at revision 1 and {@code count} one-revision segments from
     * revision 2, published a second apart, all indexed. Segments of every third revision have no
     * receive-time index (written before it existed).
     */
    private static List<DeltaSegmentRef> backUp(ObjectStore store, int count) throws IOException {
        Catalog catalog = new Catalog(store, new CatalogWriter(store, "capture", Clock.fixed(START, ZoneOffset.UTC)));
        catalog.recordGeneration(new GenerationInfo(GEN, "test", START, 1, 1, null));
        String full = BackupLayout.fullKey(GEN, 1, START);
        store.put(full, new byte[] {1}, WriteMode.IF_ABSENT);
        catalog.recordFull(new FullSnapshotRef(full, GEN, 1, START, 1));
        List<DeltaSegmentRef> refs = new ArrayList<>();
        for (long r = 2; r < 2 + count; r++) {
            List<ObjectHeader.RevisionTime> times = r % 3 == 0 ? List.of()
                    : List.of(new ObjectHeader.RevisionTime(r, published(r).toEpochMilli() - 5));
            refs.add(DeltaSegments.write(store, GEN, revision(r), leases(r), times, published(r)));
        }
        catalog.recordDeltas(refs);
        return refs;
    }

    private static Catalog catalog(ObjectStore store, Instant now) {
        return new Catalog(store, new CatalogWriter(store, "merge", Clock.fixed(now, ZoneOffset.UTC)));
    }

    private static MergeRunner runner(ObjectStore store, MergePolicy policy) {
        return new MergeRunner(catalog(store, LATER), policy, Codec.ZSTD, 3, Clock.fixed(LATER, ZoneOffset.UTC));
    }

    private static Generation generation(ObjectStore store) throws IOException {
        return new Catalog(store).generations().get(0);
    }

    private static Set<String> deltaKeysInStore(ObjectStore store) throws IOException {
        Set<String> keys = new TreeSet<>();
        store.list(BackupLayout.generationPrefix(GEN) + "delta/").toList().forEach(info -> keys.add(info.key()));
        return keys;
    }

    @Test
    void mergesLevelByLevelKeepingEveryEventAndTheHeaderFacts() throws IOException {
        try (ObjectStore store = LocalStoreProvider.at(dir)) {
            List<DeltaSegmentRef> originals = backUp(store, 100);

            MergeRunner.Result result = runner(store, TEN).run();

            assertThat(result.merges()).isEqualTo(11); // ten of level 1, then one of level 2
            assertThat(result.segmentsReplaced()).isEqualTo(110);
            assertThat(result.segmentsBefore()).isEqualTo(100);
            assertThat(result.segmentsAfter()).isEqualTo(1);
            assertThat(result.runsSkipped()).isZero();
            DeltaSegmentRef merged = generation(store).deltas().get(0);
            assertThat(merged).isEqualTo(new DeltaSegmentRef(BackupLayout.deltaKey(GEN, 2, 101), GEN, 2, 101, merged.size(),
                    published(101), 2));
            assertThat(result.bytesWritten()).isGreaterThan(merged.size());

            DeltaSegments.Read read = DeltaSegments.read(store, merged.key());
            List<Event> expected = new ArrayList<>();
            for (long r = 2; r <= 101; r++) {
                expected.addAll(revision(r));
            }
            assertThat(read.events()).isEqualTo(expected);
            ObjectHeader header = read.header();
            assertThat(header.eventCount()).isEqualTo(expected.size());
            assertThat(header.firstRevision()).isEqualTo(2);
            assertThat(header.lastRevision()).isEqualTo(101);
            // The newest known TTL of each lease: 1000 at 63 (84 says 0: unknown), 1001 at 91, 1002 at 98.
            assertThat(header.leases()).containsExactlyInAnyOrder(new ObjectHeader.LeaseRecord(1000, 63),
                    new ObjectHeader.LeaseRecord(1001, 91), new ObjectHeader.LeaseRecord(1002, 98));
            // Every revision's receive time, or for segments without an index, its publication time.
            List<ObjectHeader.RevisionTime> times = new ArrayList<>();
            for (long r = 2; r <= 101; r++) {
                times.add(new ObjectHeader.RevisionTime(r, published(r).toEpochMilli() - (r % 3 == 0 ? 0 : 5)));
            }
            assertThat(header.receivedAt()).isEqualTo(times);

            // The originals and the level-1 segments await deletion; retention deletes them after its grace period.
            CatalogState index = new Catalog(store).index().orElseThrow();
            assertThat(index.removed()).hasSize(110).allSatisfy(r -> assertThat(r.reason()).startsWith("merged into "));
            assertThat(index.removed().stream().map(CatalogState.RemovedObject::key))
                    .containsAll(originals.stream().map(DeltaSegmentRef::key).toList());
            Instant afterGrace = LATER.plus(Duration.ofHours(2));
            RetentionRunner.Result gc = new RetentionRunner(catalog(store, afterGrace), RetentionPolicies.limitBased(7), Duration.ofHours(1),
                    Clock.fixed(afterGrace, ZoneOffset.UTC)).run(false);
            assertThat(gc.deletedObjects()).hasSize(110);
            assertThat(deltaKeysInStore(store)).containsExactly(merged.key());
            assertThat(new Catalog(store).index().orElseThrow().removed()).isEmpty();
        }
    }

    @Test
    void aDryRunPlansEveryLevelAndTouchesNothing() throws IOException {
        try (ObjectStore store = LocalStoreProvider.at(dir)) {
            backUp(store, 100);
            long version = new Catalog(store).index().orElseThrow().sequence();

            List<MergeRunner.PlannedMerge> plan = runner(store, TEN).preview();

            assertThat(plan).hasSize(11);
            assertThat(plan.get(0)).isEqualTo(new MergeRunner.PlannedMerge(GEN, 1, 2, 11, 10,
                    generation(store).deltas().subList(0, 10).stream().mapToLong(DeltaSegmentRef::size).sum()));
            assertThat(plan.get(10)).extracting(MergeRunner.PlannedMerge::level, MergeRunner.PlannedMerge::firstRevision,
                    MergeRunner.PlannedMerge::lastRevision, MergeRunner.PlannedMerge::segments).containsExactly(2, 2L, 101L, 10);
            assertThat(new Catalog(store).index().orElseThrow().sequence()).isEqualTo(version);
            assertThat(deltaKeysInStore(store)).hasSize(100);
        }
    }

    @Test
    void aFencedMergeLeavesTheIndexUntouchedAndTheNextRunReusesItsObjects() throws IOException {
        try (ObjectStore store = LocalStoreProvider.at(dir)) {
            backUp(store, 100);
            Catalog fenced = catalog(store, LATER);
            fenced.writer().orElseThrow().joinCurrentEpoch();
            new CatalogWriter(store, "new-leader", Clock.fixed(LATER, ZoneOffset.UTC)).acquire();
            MergeRunner runner = new MergeRunner(fenced, TEN, Codec.ZSTD, 3, Clock.fixed(LATER, ZoneOffset.UTC));

            assertThatThrownBy(runner::run).isInstanceOf(FencedWriterException.class);

            CatalogState index = new Catalog(store).index().orElseThrow();
            assertThat(index.toGenerations().get(0).deltas()).hasSize(100);
            assertThat(index.removed()).isEmpty();
            assertThat(deltaKeysInStore(store)).hasSize(110); // ten merged objects, indexed nowhere

            MergeRunner.Result result = runner(store, TEN).run();

            assertThat(result.merges()).isEqualTo(11);
            DeltaSegmentRef merged = generation(store).deltas().get(0);
            assertThat(result.bytesWritten()).as("only the level-2 segment is new").isEqualTo(merged.size());
            long events = 0;
            for (long r = 2; r <= 101; r++) {
                events += revision(r).size();
            }
            assertThat(DeltaSegments.read(store, merged.key()).events()).hasSize((int) events);
        }
    }

    @Test
    void aMergeIsIndexedOnlyWhileAllItsOriginalsAreIndexedAndItsKeyIsNotAwaitingDeletion() throws IOException {
        try (ObjectStore store = LocalStoreProvider.at(dir)) {
            List<DeltaSegmentRef> originals = backUp(store, 10);
            CatalogState state = new Catalog(store).index().orElseThrow();
            DeltaSegmentRef mergedRef = new DeltaSegmentRef(BackupLayout.deltaKey(GEN, 2, 11), GEN, 2, 11, 1, published(11), 1);
            SegmentMerger.MergedSegment merge = new SegmentMerger.MergedSegment(mergedRef, originals, 1);

            // Retention took one original out meanwhile.
            CatalogState oneGone = new CatalogState(state.formatVersion(), state.sequence(), state.epoch(), state.writer(),
                    state.updatedAt(), List.of(new CatalogState.GenerationEntry(state.generations().get(0).info(),
                    state.generations().get(0).fulls(), originals.subList(1, 10))), state.removed());
            List<SegmentMerger.MergedSegment> applied = new ArrayList<>();
            assertThat(MergeRunner.apply(oneGone, List.of(merge), LATER, applied)).isEqualTo(oneGone);
            assertThat(applied).isEmpty();

            // The merged key awaits deletion (an orphan retention collected): never index it.
            CatalogState keyRemoved = new CatalogState(state.formatVersion(), state.sequence(), state.epoch(), state.writer(),
                    state.updatedAt(), state.generations(), List.of(new CatalogState.RemovedObject(mergedRef.key(), START, "orphan")));
            assertThat(MergeRunner.apply(keyRemoved, List.of(merge), LATER, applied)).isEqualTo(keyRemoved);
            assertThat(applied).isEmpty();

            CatalogState next = MergeRunner.apply(state, List.of(merge), LATER, applied);
            assertThat(applied).containsExactly(merge);
            assertThat(next.toGenerations().get(0).deltas()).containsExactly(mergedRef);
            assertThat(next.removed()).extracting(CatalogState.RemovedObject::key)
                    .containsExactlyElementsOf(originals.stream().map(DeltaSegmentRef::key).toList());
        }
    }

    @Test
    void aCorruptOriginalLeavesItsRunAsItWasAndTheOthersMerge() throws IOException {
        try (ObjectStore store = LocalStoreProvider.at(dir)) {
            List<DeltaSegmentRef> originals = backUp(store, 30);
            String victim = originals.get(14).key();
            byte[] bytes = store.readAll(victim);
            bytes[bytes.length - 60] ^= 0x5a; // in the payload: only the checksum tells
            store.put(victim, bytes, WriteMode.OVERWRITE);

            MergeRunner.Result result = runner(store, TEN).run();

            assertThat(result.merges()).isEqualTo(2);
            assertThat(result.runsSkipped()).isEqualTo(1);
            List<DeltaSegmentRef> deltas = generation(store).deltas();
            assertThat(deltas).hasSize(12).contains(originals.subList(10, 20).toArray(DeltaSegmentRef[]::new));
            assertThat(deltaKeysInStore(store)).doesNotContain(BackupLayout.deltaKey(GEN, 12, 21));
        }
    }

    @Test
    void anObjectOfSomethingElseUnderTheMergedKeyIsNeverIndexed() throws IOException {
        try (ObjectStore store = LocalStoreProvider.at(dir)) {
            backUp(store, 10);
            store.put(BackupLayout.deltaKey(GEN, 2, 11), new byte[] {1, 2, 3}, WriteMode.IF_ABSENT);

            MergeRunner.Result result = runner(store, TEN).run();

            assertThat(result.merges()).isZero();
            assertThat(result.runsSkipped()).isEqualTo(1);
            assertThat(generation(store).deltas()).hasSize(10);
        }
    }

    @Test
    void onlyThePartOfARunWhoseEventsFitTheSizeLimitIsMerged() throws IOException {
        try (ObjectStore store = LocalStoreProvider.at(dir)) {
            Catalog catalog = new Catalog(store, new CatalogWriter(store, "capture", Clock.fixed(START, ZoneOffset.UTC)));
            catalog.recordGeneration(new GenerationInfo(GEN, "test", START, 1, 1, null));
            List<DeltaSegmentRef> refs = new ArrayList<>();
            for (long r = 2; r < 12; r++) {
                // 4 KiB of compressible value: small in the store, large in memory.
                refs.add(DeltaSegments.write(store, GEN, List.of(DeltaSegments.put("/big", "a".repeat(4096), 2, r, r - 1, 0)), List.of(),
                        List.of(), published(r)));
            }
            catalog.recordDeltas(refs);
            long eventBytes = io.etcdbackup.snapshot.format.DeltaEventCodec.sizeOf(DeltaSegments.put("/big", "a".repeat(4096), 2, 2, 1, 0));
            assertThat(refs.stream().mapToLong(DeltaSegmentRef::size).sum()).isLessThan(4 * eventBytes);

            MergeRunner.Result result = runner(store, new MergePolicy(10, 2, 4 * eventBytes, Duration.ZERO)).run();

            assertThat(result.merges()).isEqualTo(1);
            List<DeltaSegmentRef> deltas = generation(store).deltas();
            assertThat(deltas.get(0)).extracting(DeltaSegmentRef::firstRevision, DeltaSegmentRef::lastRevision, DeltaSegmentRef::level)
                    .containsExactly(2L, 5L, 1);
            assertThat(deltas.subList(1, deltas.size())).containsExactlyElementsOf(refs.subList(4, 10));
        }
    }

    @Test
    void thinningKeepsAtMostTheLimitTheNewestEntryAndOnlyTrueEntries() {
        List<ObjectHeader.RevisionTime> entries = new ArrayList<>();
        for (long r = 1; r <= 10_000; r++) {
            entries.add(new ObjectHeader.RevisionTime(r, 1_000_000 + r * 7 + (r % 3)));
        }

        List<ObjectHeader.RevisionTime> thinned = SegmentMerger.thin(entries, 100);

        assertThat(thinned).hasSizeBetween(90, 100).isSubsetOf(entries);
        assertThat(thinned.get(thinned.size() - 1)).isEqualTo(entries.get(entries.size() - 1));
        assertThat(SegmentMerger.thin(entries.subList(0, 100), 100)).isEqualTo(entries.subList(0, 100));
    }
}
