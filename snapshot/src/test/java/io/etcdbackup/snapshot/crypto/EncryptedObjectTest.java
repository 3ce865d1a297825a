package io.etcdbackup.snapshot.crypto;

import io.etcdbackup.snapshot.format.Codec;
import io.etcdbackup.snapshot.format.CorruptObjectException;
import io.etcdbackup.snapshot.format.MissingKeyException;
import io.etcdbackup.snapshot.format.ObjectEncryption;
import io.etcdbackup.snapshot.format.ObjectHeader;
import io.etcdbackup.snapshot.format.SnapshotObjectReader;
import io.etcdbackup.snapshot.format.SnapshotObjectWriter;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.WriteMode;
import io.etcdbackup.stores.local.LocalStoreProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Snapshot objects encrypted with a key set: what they hide, what they bind, and how rotation and missing keys behave. */
class EncryptedObjectTest {

    private static final String SECRET = "/registry/secrets/kube-system/bootstrap-token-abcdef";

    @TempDir
    Path dir;

    private static ObjectHeader header(Codec codec) {
        return ObjectHeader.deltaSegment("20261207T000000000Z-abcd", 5, 9, 42, 7, "3.5.16", codec, Instant.parse("2026-12-07T10:15:00Z"),
                3, List.of(new ObjectHeader.LeaseRecord(11, 60)), List.of());
    }

    /** Content that compresses partly and names a known secret key many times. */
    private static byte[] content() {
        StringBuilder text = new StringBuilder();
        Random random = new Random(1);
        while (text.length() < 3_000_000) { // several of Tink's 1 MiB segments
            text.append(SECRET).append('=').append(random.nextLong()).append('\n');
        }
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    private byte[] write(ObjectEncryption encryption, Codec codec, byte[] content) throws IOException {
        try (ObjectStore store = LocalStoreProvider.at(dir.resolve("store"))) {
            SnapshotObjectWriter out = SnapshotObjectWriter.start(store.create("obj", WriteMode.OVERWRITE), header(codec),
                    codec.defaultLevel(), encryption);
            out.write(content);
            out.finish();
            return store.readAll("obj");
        }
    }

    private static byte[] read(byte[] object, ObjectEncryption encryption) throws IOException {
        try (SnapshotObjectReader reader = SnapshotObjectReader.open("obj", new ByteArrayInputStream(object), encryption)) {
            byte[] content = reader.content().readAllBytes();
            reader.verify();
            return content;
        }
    }

    @ParameterizedTest
    @EnumSource(Codec.class)
    void anEncryptedObjectRoundTripsAndHidesItsContentButNotItsHeader(Codec codec) throws IOException {
        EncryptionKeySet keys = EncryptionKeySet.generate(dir.resolve("keys.json"));
        byte[] content = content();

        byte[] object = write(keys, codec, content);

        assertThat(read(object, keys)).isEqualTo(content);
        assertThat(new String(object, StandardCharsets.ISO_8859_1)).doesNotContain(SECRET).contains("\"generation\":\"20261207T000000000Z-abcd\"");
        try (SnapshotObjectReader reader = SnapshotObjectReader.open("obj", new ByteArrayInputStream(object), keys)) {
            assertThat(reader.header()).isEqualTo(header(codec));
            assertThat(reader.encryptedWith()).hasValue(keys.encryptingKey().getAsLong());
        }
    }

    @Test
    void afterARotationOldAndNewObjectsBothReadAndNewOnesUseTheNewKey() throws IOException {
        Path file = dir.resolve("keys.json");
        EncryptionKeySet first = EncryptionKeySet.generate(file);
        byte[] old = write(first, Codec.ZSTD, content());
        EncryptionKeySet rotated = EncryptionKeySet.generate(file);
        byte[] recent = write(rotated, Codec.ZSTD, content());

        assertThat(rotated.keyIds()).hasSize(2).containsAll(first.keyIds());
        assertThat(rotated.encryptingKey()).isNotEqualTo(first.encryptingKey());
        assertThat(read(old, EncryptionKeySet.load(file))).isEqualTo(content());
        assertThat(read(recent, EncryptionKeySet.load(file))).isEqualTo(content());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        long newKey = rotated.encryptingKey().getAsLong();
        assertThatThrownBy(() -> read(recent, first)).isInstanceOf(MissingKeyException.class)
                .hasMessageContaining("encrypted with key " + newKey).hasMessageContaining("does not hold it");
    }

    @Test
    void withoutAKeySetAnEncryptedObjectFailsNamingItsKeyAndAnotherKeySetFailsToo() throws IOException {
        EncryptionKeySet keys = EncryptionKeySet.generate(dir.resolve("keys.json"));
        byte[] object = write(keys, Codec.ZSTD, content());
        EncryptionKeySet other = EncryptionKeySet.generate(dir.resolve("other.json"));

        assertThatThrownBy(() -> read(object, ObjectEncryption.NONE)).isInstanceOf(MissingKeyException.class)
                .hasMessage("object obj is encrypted with key " + keys.encryptingKey().getAsLong() + ": no encryption key set was given");
        assertThatThrownBy(() -> read(object, other)).isInstanceOf(MissingKeyException.class)
                .hasMessageContaining("key " + keys.encryptingKey().getAsLong()).hasMessageContaining("other.json");
    }

    @Test
    void objectsInTheClearStayReadableWithAKeySet() throws IOException {
        byte[] clear = write(ObjectEncryption.NONE, Codec.ZSTD, content());

        assertThat(read(clear, EncryptionKeySet.generate(dir.resolve("keys.json")))).isEqualTo(content());
    }

    @Test
    void changingAnyByteAfterTheMagicFailsWithAuthenticationFailed() throws IOException {
        EncryptionKeySet keys = EncryptionKeySet.generate(dir.resolve("keys.json"));
        byte[] object = write(keys, Codec.ZSTD, content());
        Random random = new Random(7);
        int headerEnd = 8 + 4 + 400;
        for (int trial = 0; trial < 60; trial++) {
            // every byte of the header and descriptor region, then random bytes of the ciphertext and the trailer
            int position = trial < 30 ? 8 + trial * headerEnd / 30 : trial < 55 ? 8 + random.nextInt(object.length - 8) : object.length - 1 - trial % 5 * 9;
            byte[] tampered = object.clone();
            tampered[position] ^= (byte) (1 + random.nextInt(255));
            int at = position;
            assertThatThrownBy(() -> read(tampered, keys)).as("a byte changed at %d of %d", at, object.length)
                    .isInstanceOf(CorruptObjectException.class).hasMessageContaining("authentication failed");
        }
    }

    @Test
    void aKeySetFileThatIsNotOneIsRefusedNamingTheFileAndNoKeyMaterial() throws IOException {
        Path junk = Files.writeString(dir.resolve("junk.json"), "{\"primaryKeyId\": 1, \"key\": []}");

        assertThatThrownBy(() -> EncryptionKeySet.load(junk)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(junk.toString());
        assertThatThrownBy(() -> EncryptionKeySet.load(dir.resolve("missing.json"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("missing.json").hasMessageContaining("cannot be read");
    }
}
