package io.etcdbackup.snapshot.copy;

import io.etcdbackup.snapshot.catalog.BackupLayout;
import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.snapshot.catalog.CatalogWriter;
import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
import io.etcdbackup.snapshot.catalog.FullSnapshotRef;
import io.etcdbackup.snapshot.catalog.Generation;
import io.etcdbackup.snapshot.catalog.GenerationInfo;
import io.etcdbackup.snapshot.crypto.EncryptionKeySet;
import io.etcdbackup.snapshot.format.Codec;
import io.etcdbackup.snapshot.format.MissingKeyException;
import io.etcdbackup.snapshot.format.ObjectEncryption;
import io.etcdbackup.snapshot.format.ObjectHeader;
import io.etcdbackup.snapshot.format.ObjectPublisher;
import io.etcdbackup.snapshot.format.SnapshotObjectReader;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.faults.FaultInjectingObjectStore;
import io.etcdbackup.stores.local.LocalStoreProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Copying a catalog's backups into another store: what is taken, verified, indexed, and how a rerun resumes. */
class BackupCopierTest {

    private static final Instant START = Instant.parse("2026-12-01T00:00:00Z");
    private static final Clock NOW = Clock.fixed(START.plus(Duration.ofDays(3)), ZoneOffset.UTC);
    private static final String OLD = "20261201T000000000Z-0001";
    private static final String NEW = "20261202T000000000Z-0002";

    @TempDir
    Path dir;

    /** Two generations: the old one a full snapshot and 3 segments, the new one two full snapshots (a day apart) and 6 segments. */
    private static void backUp(ObjectStore store, ObjectEncryption encryption) throws IOException {
        Catalog catalog = new Catalog(store, new CatalogWriter(store, "capture", NOW)).withEncryption(encryption);
        ObjectPublisher publisher = new ObjectPublisher(store, encryption);
        generation(catalog, publisher, OLD, START, 1, 3);
        generation(catalog, publisher, NEW, START.plus(Duration.ofDays(1)), 100, 6);
        Instant second = START.plus(Duration.ofDays(2));
        full(catalog, publisher, NEW, 104, second);
    }

    private static void generation(Catalog catalog, ObjectPublisher publisher, String id, Instant at, long revision, int deltas)
            throws IOException {
        catalog.recordGeneration(new GenerationInfo(id, "test", at, 7, revision, null));
        full(catalog, publisher, id, revision, at);
        List<DeltaSegmentRef> refs = new ArrayList<>();
        for (long r = revision + 1; r <= revision + deltas; r++) {
            String key = BackupLayout.deltaKey(id, r, r);
            ObjectHeader header = ObjectHeader.deltaSegment(id, r, r, 7, 8, "3.5.16", Codec.ZSTD, at.plusSeconds(r), 1, List.of(), List.of());
            long size = publisher.publish(key, header, 1, ObjectPublisher.IfExists.FAIL, out -> out.write(content(key))).size();
            refs.add(new DeltaSegmentRef(key, id, r, r, size, at.plusSeconds(r)));
        }
        catalog.recordDeltas(refs);
    }

    private static void full(Catalog catalog, ObjectPublisher publisher, String id, long revision, Instant at) throws IOException {
        String key = BackupLayout.fullKey(id, revision, at);
        ObjectHeader header = ObjectHeader.fullSnapshot(id, revision, 7, 8, "3.5.16", Codec.ZSTD, at);
        long size = publisher.publish(key, header, 1, ObjectPublisher.IfExists.FAIL, out -> out.write(content(key))).size();
        catalog.recordFull(new FullSnapshotRef(key, id, revision, at, size));
    }

    private static byte[] content(String key) {
        return ("secret content of " + key + "\n").repeat(500).getBytes(StandardCharsets.UTF_8);
    }

    private static Catalog target(ObjectStore store, ObjectEncryption encryption) {
        return new Catalog(store, new CatalogWriter(store, "copy", NOW)).withEncryption(encryption);
    }

    private static List<String> keys(Catalog catalog) throws IOException {
        List<String> keys = new ArrayList<>();
        for (Generation generation : catalog.generations()) {
            generation.fulls().forEach(f -> keys.add(f.key()));
            generation.deltas().forEach(d -> keys.add(d.key()));
        }
        return keys;
    }

    /** Every object the catalog indexes reads back whole with {@code encryption}, with the content it was written with. */
    private static void assertIndexedObjectsVerify(Catalog catalog, ObjectEncryption encryption) throws IOException {
        for (String key : keys(catalog)) {
            try (SnapshotObjectReader reader = SnapshotObjectReader.open(key, catalog.store().open(key), encryption)) {
                assertThat(reader.content().readAllBytes()).isEqualTo(content(key));
                reader.verify();
            }
        }
    }

    @Test
    void copiesEveryBackupVerifiedAndARerunCopiesNothing() throws IOException, InterruptedException {
        try (ObjectStore from = LocalStoreProvider.at(dir.resolve("a")); ObjectStore to = LocalStoreProvider.at(dir.resolve("b"))) {
            backUp(from, ObjectEncryption.NONE);
            Catalog source = new Catalog(from);

            BackupCopier.Result first = new BackupCopier(source, target(to, ObjectEncryption.NONE), 4, NOW).copy(BackupCopier.Selection.all());
            BackupCopier.Result again = new BackupCopier(source, target(to, ObjectEncryption.NONE), 4, NOW).copy(BackupCopier.Selection.all());

            assertThat(first).isEqualTo(new BackupCopier.Result(12, 0, first.bytesWritten(), 2));
            assertThat(again.copied()).isZero();
            assertThat(again.alreadyThere()).isZero();
            assertThat(keys(new Catalog(to))).isEqualTo(keys(source));
            assertThat(new Catalog(to).generationInfo(OLD)).isEqualTo(source.generationInfo(OLD));
            assertIndexedObjectsVerify(new Catalog(to), ObjectEncryption.NONE);
        }
    }

    @Test
    void theNewestFullSnapshotsWithinTheAgeAreTakenWithTheSegmentsAfterThem() throws IOException, InterruptedException {
        try (ObjectStore from = LocalStoreProvider.at(dir.resolve("a")); ObjectStore to = LocalStoreProvider.at(dir.resolve("b"))) {
            backUp(from, ObjectEncryption.NONE);

            new BackupCopier(new Catalog(from), target(to, ObjectEncryption.NONE), 2, NOW)
                    .copy(new BackupCopier.Selection(Optional.of(1), Optional.of(Duration.ofDays(2))));

            List<Generation> copied = new Catalog(to).generations();
            assertThat(copied).extracting(Generation::id).containsExactly(NEW);
            assertThat(copied.get(0).fulls()).extracting(FullSnapshotRef::revision).containsExactly(104L);
            assertThat(copied.get(0).deltas()).extracting(DeltaSegmentRef::firstRevision).containsExactly(105L, 106L);
        }
    }

    @Test
    void aCopyStoppedHalfwayLeavesOnlyCompleteIndexedObjectsAndARerunFinishesIt() throws IOException, InterruptedException {
        try (ObjectStore from = LocalStoreProvider.at(dir.resolve("a")); ObjectStore local = LocalStoreProvider.at(dir.resolve("b"))) {
            backUp(from, ObjectEncryption.NONE);
            FaultInjectingObjectStore to = new FaultInjectingObjectStore(local, 1);
            to.on(FaultInjectingObjectStore.Operation.WRITE).keys(".*" + NEW + "/delta/0*103-.*").fail();

            assertThatThrownBy(() -> new BackupCopier(new Catalog(from), target(to, ObjectEncryption.NONE), 1, NOW)
                    .copy(BackupCopier.Selection.all())).isInstanceOf(IOException.class);
            List<Generation> halfway = new Catalog(local).generations();
            assertIndexedObjectsVerify(new Catalog(local), ObjectEncryption.NONE);
            assertThat(halfway.get(halfway.size() - 1).deltas()).extracting(DeltaSegmentRef::lastRevision).containsExactly(101L, 102L);

            to.clear();
            BackupCopier.Result rest = new BackupCopier(new Catalog(from), target(to, ObjectEncryption.NONE), 1, NOW)
                    .copy(BackupCopier.Selection.all());

            assertThat(rest.copied()).isEqualTo(4);
            assertThat(keys(new Catalog(local))).isEqualTo(keys(new Catalog(from)));
            assertIndexedObjectsVerify(new Catalog(local), ObjectEncryption.NONE);
        }
    }

    @Test
    void objectsAreDecryptedWithTheSourcesKeysAndEncryptedWithTheTargets() throws IOException, InterruptedException {
        EncryptionKeySet sourceKeys = EncryptionKeySet.generate(dir.resolve("source-keys.json"));
        EncryptionKeySet targetKeys = EncryptionKeySet.generate(dir.resolve("target-keys.json"));
        try (ObjectStore from = LocalStoreProvider.at(dir.resolve("a")); ObjectStore to = LocalStoreProvider.at(dir.resolve("b"))) {
            backUp(from, sourceKeys);

            new BackupCopier(new Catalog(from).withEncryption(sourceKeys), target(to, targetKeys), 3, NOW).copy(BackupCopier.Selection.all());

            assertIndexedObjectsVerify(new Catalog(to), targetKeys);
            String any = keys(new Catalog(to)).get(0);
            try (SnapshotObjectReader reader = SnapshotObjectReader.open(any, to.open(any), targetKeys)) {
                assertThat(reader.encryptedWith()).isEqualTo(targetKeys.encryptingKey());
            }
            assertThatThrownBy(() -> assertIndexedObjectsVerify(new Catalog(to), sourceKeys)).isInstanceOf(MissingKeyException.class);
        }
    }
}
