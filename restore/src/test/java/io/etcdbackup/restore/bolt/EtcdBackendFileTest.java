package io.etcdbackup.restore.bolt;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import io.etcd.jetcd.api.KeyValue;
import io.etcdbackup.restore.bolt.BoltImage.Element;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EtcdBackendFileTest {

    private static final int PAGE = 4096;

    @TempDir
    Path dir;

    @Test
    void recordsComeInRevisionOrderWithTheirKeysAndReadGivesTheWholeKeyValue() throws IOException {
        KeyValue a = kv("/a", "1", 2, 2, 1, 0);
        KeyValue b = kv("/b", "2", 2, 2, 1, 0);
        KeyValue big = kv("/big", "x".repeat(3 * PAGE), 4, 4, 1, 0x1234);
        Path file = etcdImage(List.of(
                Element.of(revision(2, 0, false), a.toByteArray()),
                Element.of(revision(2, 1, false), b.toByteArray()),
                Element.of(revision(3, 0, true), KeyValue.newBuilder().setKey(a.getKey()).build().toByteArray()),
                Element.of(revision(4, 0, false), big.toByteArray())), List.of(), List.of(), new byte[0]);
        try (EtcdBackendFile backend = EtcdBackendFile.open(file)) {
            List<RevisionRecord> records = new ArrayList<>();
            backend.forEachRevision(records::add);
            assertThat(records).extracting(r -> r.mainRevision() + "_" + r.subRevision() + (r.tombstone() ? "t " : " ")
                    + r.key().toStringUtf8()).containsExactly("2_0 /a", "2_1 /b", "3_0t /a", "4_0 /big");
            assertThat(backend.read(records.get(0))).isEqualTo(a);
            assertThat(backend.read(records.get(2))).isEqualTo(KeyValue.newBuilder().setKey(a.getKey()).build());
            assertThat(backend.read(records.get(3))).isEqualTo(big);
            assertThat(records.get(3).valueLength()).isEqualTo(big.getSerializedSize());
        }
    }

    @Test
    void theSha256TrailerOfASnapshotIsIgnored() throws IOException {
        byte[] trailer = new byte[32];
        java.util.Arrays.fill(trailer, (byte) 0xab);
        Path file = etcdImage(List.of(Element.of(revision(2, 0, false), kv("/a", "1", 2, 2, 1, 0).toByteArray())),
                List.of(), List.of(), trailer);
        try (EtcdBackendFile backend = EtcdBackendFile.open(file)) {
            List<RevisionRecord> records = new ArrayList<>();
            backend.forEachRevision(records::add);
            assertThat(records).singleElement().extracting(RevisionRecord::key).isEqualTo(ByteString.copyFromUtf8("/a"));
        }
    }

    @Test
    void aKeyValueWrittenWithItsKeyNotFirstStillGivesItsKey() throws IOException {
        ByteArrayOutputStream value = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(value);
        out.writeInt64(2, 5);
        out.writeBytes(1, ByteString.copyFromUtf8("/late"));
        out.flush();
        Path file = etcdImage(List.of(Element.of(revision(5, 0, false), value.toByteArray())), List.of(), List.of(), new byte[0]);
        try (EtcdBackendFile backend = EtcdBackendFile.open(file)) {
            List<RevisionRecord> records = new ArrayList<>();
            backend.forEachRevision(records::add);
            assertThat(records).singleElement().extracting(RevisionRecord::key).isEqualTo(ByteString.copyFromUtf8("/late"));
        }
    }

    @Test
    void theCompactedRevisionIsTheNewestCompactionScheduledOrFinishedAndZeroWithoutOne() throws IOException {
        Element finished = Element.of(bytes("finishedCompactRev"), revision(42, 0, false));
        Element scheduled = Element.of(bytes("scheduledCompactRev"), revision(50, 0, false));
        Element scheduledEarlier = Element.of(bytes("scheduledCompactRev"), revision(42, 0, false));
        // A snapshot taken while compaction at 50 removed records: those below 50 may be incomplete.
        try (EtcdBackendFile backend = EtcdBackendFile.open(etcdImage(List.of(), List.of(), List.of(finished, scheduled), new byte[0]))) {
            assertThat(backend.compactedRevision()).isEqualTo(50);
        }
        try (EtcdBackendFile backend = EtcdBackendFile.open(etcdImage(List.of(), List.of(), List.of(finished, scheduledEarlier), new byte[0]))) {
            assertThat(backend.compactedRevision()).isEqualTo(42);
        }
        try (EtcdBackendFile backend = EtcdBackendFile.open(etcdImage(List.of(), List.of(), List.of(), new byte[0]))) {
            assertThat(backend.compactedRevision()).isZero();
        }
    }

    @Test
    void leaseTtlsAreTheGrantedTtlsByLeaseId() throws IOException {
        long negativeId = 0x8000000000000001L;
        Path file = etcdImage(List.of(), List.of(
                Element.of(leaseId(7), lease(7, 60, 55)),
                Element.of(leaseId(negativeId), lease(negativeId, 3600, 0))), List.of(), new byte[0]);
        try (EtcdBackendFile backend = EtcdBackendFile.open(file)) {
            assertThat(backend.leaseTtls()).containsExactly(Map.entry(7L, 60L), Map.entry(negativeId, 3600L));
        }
    }

    @Test
    void aBboltFileWithoutAKeyBucketIsRefusedNamingIt() throws IOException {
        BoltImage image = new BoltImage(PAGE);
        long root = image.leaf(List.of(Element.bucket("meta", BoltImage.inlineBucket(List.of()))));
        Path file = image.meta(0, root, 1).meta(1, root, 1).write(dir.resolve("other.db"), new byte[0]);
        assertThatThrownBy(() -> EtcdBackendFile.open(file)).isInstanceOfSatisfying(InvalidBackendFileException.class, e -> {
            assertThat(e.file()).isEqualTo(file);
            assertThat(e.reason()).isEqualTo("it is a bbolt database without etcd's key bucket");
        });
    }

    @Test
    void aKeyBucketEntryThatIsNotARevisionIsRefused() throws IOException {
        Path file = etcdImage(List.of(Element.of(bytes("junk"), new byte[0])), List.of(), List.of(), new byte[0]);
        try (EtcdBackendFile backend = EtcdBackendFile.open(file)) {
            assertThatThrownBy(() -> backend.forEachRevision(record -> { }))
                    .isInstanceOfSatisfying(InvalidBackendFileException.class,
                            e -> assertThat(e.reason()).isEqualTo("the key bucket holds an entry of 4 bytes where a revision belongs"));
        }
    }

    /** A database laid out as etcd's: the key bucket in pages of its own, the lease and meta buckets inline. */
    private Path etcdImage(List<Element> keys, List<Element> leases, List<Element> meta, byte[] trailer) throws IOException {
        BoltImage image = new BoltImage(PAGE);
        long keyRoot = image.leaf(keys);
        long root = image.leaf(List.of(
                Element.bucket("key", BoltImage.bucketAt(keyRoot)),
                Element.bucket("lease", BoltImage.inlineBucket(leases)),
                Element.bucket("meta", BoltImage.inlineBucket(meta))));
        return image.meta(0, root, 3).meta(1, root, 2).write(dir.resolve("db"), trailer);
    }

    private static KeyValue kv(String key, String value, long create, long mod, long version, long lease) {
        return KeyValue.newBuilder().setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFromUtf8(value))
                .setCreateRevision(create).setModRevision(mod).setVersion(version).setLease(lease).build();
    }

    /** etcd's revision key: main and sub revision big-endian around '_', and 't' for a tombstone. */
    private static byte[] revision(long main, long sub, boolean tombstone) {
        ByteBuffer key = ByteBuffer.allocate(tombstone ? 18 : 17).putLong(main).put((byte) '_').putLong(sub);
        if (tombstone) {
            key.put((byte) 't');
        }
        return key.array();
    }

    private static byte[] leaseId(long id) {
        return ByteBuffer.allocate(8).putLong(id).array();
    }

    /** A {@code leasepb.Lease}: ID, TTL, RemainingTTL. */
    private static byte[] lease(long id, long ttl, long remaining) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        out.writeInt64(1, id);
        out.writeInt64(2, ttl);
        out.writeInt64(3, remaining);
        out.flush();
        return bytes.toByteArray();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
