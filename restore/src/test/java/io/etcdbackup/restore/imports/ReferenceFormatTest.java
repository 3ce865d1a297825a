package io.etcdbackup.restore.imports;

import io.etcd.jetcd.api.Event;
import io.etcdbackup.restore.DeltaSegment;
import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
import io.etcdbackup.snapshot.catalog.FullSnapshotRef;
import io.etcdbackup.snapshot.format.CorruptObjectException;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.WriteMode;
import io.etcdbackup.stores.local.LocalStoreProvider;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

import static io.etcdbackup.restore.imports.ReferenceObjects.GoEvent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ReferenceFormatTest {

    private static final Instant T = Instant.parse("2026-11-22T10:00:00.123456789Z");

    @TempDir
    Path dir;
    private ObjectStore store;

    @BeforeEach
    void openStore() throws Exception {
        store = LocalStoreProvider.at(dir.resolve("store"));
    }

    private FullSnapshotRef putFull(String key, byte[] content) throws Exception {
        store.put(key, content, WriteMode.OVERWRITE);
        return new FullSnapshotRef(key, "v2", 5, T, content.length);
    }

    private DeltaSegmentRef putDelta(String key, long first, long last, byte[] content) throws Exception {
        store.put(key, content, WriteMode.OVERWRITE);
        return new DeltaSegmentRef(key, "v2", first, last, content.length, T);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ".gz", ".zlib"})
    void aFullSnapshotIsDecompressedToEtcdsSnapshotStream(String suffix) throws Exception {
        byte[] snapshot = ReferenceObjects.fakeSnapshot(9, 1);
        FullSnapshotRef ref = putFull("v2/" + ReferenceObjects.name("Full", 0, 5, 1_700_000_000L, suffix),
                ReferenceObjects.compress(snapshot, suffix));
        Path file = dir.resolve("full.db");
        ReferenceFormat.INSTANCE.fetchFull(store, ref, file);
        assertThat(Files.readAllBytes(file)).isEqualTo(snapshot);
    }

    @Test
    void aFullSnapshotWhoseTrailingHashDoesNotMatchIsCorrupt() throws Exception {
        byte[] snapshot = ReferenceObjects.fakeSnapshot(3, 2);
        snapshot[5000] ^= 1;
        FullSnapshotRef ref = putFull("v2/" + ReferenceObjects.name("Full", 0, 5, 1_700_000_000L, ".gz"),
                ReferenceObjects.compress(snapshot, ".gz"));
        assertThatThrownBy(() -> ReferenceFormat.INSTANCE.fetchFull(store, ref, dir.resolve("full.db")))
                .isInstanceOfSatisfying(CorruptObjectException.class, e -> assertThat(e.key()).isEqualTo(ref.key()))
                .hasMessageContaining("SHA-256");
    }

    @Test
    void aTruncatedGzipFullSnapshotIsCorrupt() throws Exception {
        byte[] gz = ReferenceObjects.compress(ReferenceObjects.fakeSnapshot(3, 3), ".gz");
        FullSnapshotRef ref = putFull("v2/" + ReferenceObjects.name("Full", 0, 5, 1_700_000_000L, ".gz"),
                Arrays.copyOf(gz, gz.length / 2));
        assertThatThrownBy(() -> ReferenceFormat.INSTANCE.fetchFull(store, ref, dir.resolve("full.db")))
                .isInstanceOfSatisfying(CorruptObjectException.class, e -> assertThat(e.key()).isEqualTo(ref.key()));
    }

    @Test
    void lzwIsRefusedNamingTheObjectAndTheSuffix() throws Exception {
        FullSnapshotRef ref = putFull("v2/Full-00000000-00000005-1700000000.Z", new byte[100]);
        assertThatThrownBy(() -> ReferenceFormat.INSTANCE.fetchFull(store, ref, dir.resolve("full.db")))
                .isInstanceOfSatisfying(UnsupportedReferenceObjectException.class, e -> {
                    assertThat(e.key()).isEqualTo(ref.key());
                    assertThat(e.suffix()).isEqualTo(".Z");
                })
                .hasMessageContaining("LZW");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ".gz", ".zlib"})
    void deltaEventsAreConvertedAsGoMarshalsThem(String suffix) throws Exception {
        List<GoEvent> events = List.of(
                GoEvent.put("/a", "1", 6, 6, 1),
                new GoEvent(false, "/b".getBytes(StandardCharsets.UTF_8), new byte[] {0, (byte) 0xFF}, 3, 6, 4, 0x694d7c1a2b3c4d5eL),
                GoEvent.delete("/c", 7),
                GoEvent.put("/empty", "", 8, 8, 1));
        byte[] raw = ReferenceObjects.withSha256(ReferenceObjects.goJson(events, T));
        DeltaSegmentRef ref = putDelta("v2/" + ReferenceObjects.name("Incr", 6, 8, 1_700_000_020L, suffix), 6, 8,
                ReferenceObjects.compress(raw, suffix));

        DeltaSegment segment = ReferenceFormat.INSTANCE.readDelta(store, ref);

        assertThat(segment.leases()).isEmpty();
        assertThat(segment.events()).hasSize(4);
        Event a = segment.events().get(0);
        assertThat(a.getType()).isEqualTo(Event.EventType.PUT);
        assertThat(a.getKv().getKey().toStringUtf8()).isEqualTo("/a");
        assertThat(a.getKv().getValue().toStringUtf8()).isEqualTo("1");
        assertThat(a.getKv().getCreateRevision()).isEqualTo(6);
        assertThat(a.getKv().getModRevision()).isEqualTo(6);
        assertThat(a.getKv().getVersion()).isEqualTo(1);
        Event b = segment.events().get(1);
        assertThat(b.getKv().getValue().toByteArray()).containsExactly(0, 0xFF);
        assertThat(b.getKv().getCreateRevision()).isEqualTo(3);
        assertThat(b.getKv().getVersion()).isEqualTo(4);
        assertThat(b.getKv().getLease()).isEqualTo(0x694d7c1a2b3c4d5eL);
        Event c = segment.events().get(2);
        assertThat(c.getType()).isEqualTo(Event.EventType.DELETE);
        assertThat(c.getKv().getKey().toStringUtf8()).isEqualTo("/c");
        assertThat(c.getKv().getModRevision()).isEqualTo(7);
        assertThat(c.getKv().getVersion()).isZero();
        assertThat(segment.events().get(3).getKv().getValue().isEmpty()).isTrue();
    }

    @Test
    void typeNamesAndExplicitZerosAreAcceptedToo() throws Exception {
        String json = "[{\"etcdEvent\":{\"type\":\"PUT\",\"kv\":{\"key\":\"L3g=\",\"create_revision\":2,\"mod_revision\":2,"
                + "\"version\":1,\"value\":\"eQ==\",\"lease\":0}},\"time\":\"2026-11-22T10:00:00Z\"},"
                + "{\"etcdEvent\":{\"type\":0,\"kv\":{\"key\":\"L3k=\",\"mod_revision\":\"3\",\"create_revision\":3,\"version\":1}}},"
                + "{\"etcdEvent\":{\"type\":\"DELETE\",\"kv\":{\"key\":\"L3g=\",\"mod_revision\":4},\"prev_kv\":{\"key\":\"L3g=\"}},"
                + "\"time\":\"2026-11-22T10:00:01.5+01:00\"}]";
        DeltaSegmentRef ref = putDelta("v2/Incr-00000002-00000004-1700000000.gz", 2, 4,
                ReferenceObjects.compress(ReferenceObjects.withSha256(json.getBytes(StandardCharsets.UTF_8)), ".gz"));
        List<Event> events = ReferenceFormat.INSTANCE.readDelta(store, ref).events();
        assertThat(events).extracting(Event::getType)
                .containsExactly(Event.EventType.PUT, Event.EventType.PUT, Event.EventType.DELETE);
        assertThat(events).extracting(e -> e.getKv().getKey().toStringUtf8()).containsExactly("/x", "/y", "/x");
        assertThat(events.get(1).getKv().getModRevision()).isEqualTo(3);
    }

    @Test
    void aDeltaWhoseJsonDoesNotMatchItsHashIsCorruptNamingTheObject() throws Exception {
        byte[] raw = ReferenceObjects.withSha256(ReferenceObjects.goJson(List.of(GoEvent.put("/a", "1", 6, 6, 1)), T));
        int valueAt = new String(raw, StandardCharsets.ISO_8859_1).indexOf("\"MQ==\"") + 1;
        raw[valueAt] = 'N'; // still valid JSON and base64, different bytes
        DeltaSegmentRef ref = putDelta("v2/" + ReferenceObjects.name("Incr", 6, 6, 1_700_000_020L, ".gz"), 6, 6,
                ReferenceObjects.compress(raw, ".gz"));
        assertThatThrownBy(() -> ReferenceFormat.INSTANCE.readDelta(store, ref))
                .isInstanceOfSatisfying(CorruptObjectException.class, e -> assertThat(e.key()).isEqualTo(ref.key()))
                .hasMessageContaining(ref.key())
                .hasMessageContaining("SHA-256");
    }

    @Test
    void aDeltaWhoseEventsDoNotReachTheRevisionInItsNameIsCorrupt() throws Exception {
        byte[] raw = ReferenceObjects.withSha256(ReferenceObjects.goJson(List.of(GoEvent.put("/a", "1", 6, 6, 1)), T));
        DeltaSegmentRef ref = putDelta("v2/" + ReferenceObjects.name("Incr", 6, 9, 1_700_000_020L, ""), 6, 9, raw);
        assertThatThrownBy(() -> ReferenceFormat.INSTANCE.readDelta(store, ref))
                .isInstanceOf(CorruptObjectException.class)
                .hasMessageContaining("events end at revision 6, its name says 9");
    }

    @Test
    void aDeltaThatIsNotJsonIsCorrupt() throws Exception {
        byte[] raw = ReferenceObjects.withSha256("not json".getBytes(StandardCharsets.UTF_8));
        DeltaSegmentRef ref = putDelta("v2/" + ReferenceObjects.name("Incr", 6, 9, 1_700_000_020L, ".zlib"), 6, 9,
                ReferenceObjects.compress(raw, ".zlib"));
        assertThatThrownBy(() -> ReferenceFormat.INSTANCE.readDelta(store, ref))
                .isInstanceOf(CorruptObjectException.class)
                .hasMessageContaining("JSON");
    }
}
