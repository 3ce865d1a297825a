package io.etcdbackup.snapshot.format;

import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.WriteMode;
import io.etcdbackup.stores.local.LocalStoreProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SnapshotObjectFormatTest {

    @TempDir
    Path dir;

    private static ObjectHeader header(Codec codec) {
        return new ObjectHeader(SnapshotObjectFormat.FORMAT_VERSION, ObjectKind.DELTA, "20261122T000000000Z-abcd", 5, 9,
                42, 7, codec, Instant.parse("2026-11-22T10:15:00Z"), "3.4.23", 3, List.of(new ObjectHeader.LeaseRecord(11, 60)));
    }

    private static byte[] content() {
        byte[] data = new byte[300_000];
        Random random = new Random(1);
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i % 7 == 0 ? random.nextInt() : 'a' + i % 13); // partly compressible
        }
        return data;
    }

    private byte[] write(Codec codec, byte[] content) throws IOException {
        try (ObjectStore store = LocalStoreProvider.at(dir)) {
            SnapshotObjectWriter out = SnapshotObjectWriter.start(store.create("obj", WriteMode.OVERWRITE), header(codec), codec.defaultLevel());
            out.write(content);
            out.finish();
            return store.readAll("obj");
        }
    }

    private static byte[] readVerified(byte[] object) throws IOException {
        try (SnapshotObjectReader reader = SnapshotObjectReader.open("obj", new ByteArrayInputStream(object))) {
            byte[] content = reader.content().readAllBytes();
            reader.verify();
            return content;
        }
    }

    @ParameterizedTest
    @EnumSource(Codec.class)
    void roundTripsContentAndHeaderWithEveryCodec(Codec codec) throws IOException {
        byte[] content = content();
        byte[] object = write(codec, content);

        assertThat(readVerified(object)).isEqualTo(content);
        try (SnapshotObjectReader reader = SnapshotObjectReader.open("obj", new ByteArrayInputStream(object))) {
            assertThat(reader.header()).isEqualTo(header(codec));
        }
        if (codec != Codec.NONE) {
            assertThat(object.length).isLessThan(content.length);
        }
    }

    @ParameterizedTest
    @EnumSource(Codec.class)
    void anySingleCorruptedByteIsDetectedAndNamesTheObject(Codec codec) throws IOException {
        byte[] object = write(codec, content());
        Random random = new Random(codec.ordinal());
        // every byte of the magic, header and trailer, plus a sample of the payload
        for (int position = 0; position < object.length; position += position < 400 || position > object.length - 60 ? 1 : 1 + random.nextInt(997)) {
            byte[] corrupt = Arrays.copyOf(object, object.length);
            corrupt[position] ^= (byte) (1 + random.nextInt(255));
            int at = position;
            assertThatThrownBy(() -> readVerified(corrupt))
                    .as("corruption at byte %d of %d", at, object.length)
                    .isInstanceOf(CorruptObjectException.class)
                    .hasMessageContaining("'obj'");
        }
    }

    @Test
    void aTruncatedObjectIsCorrupt() throws IOException {
        byte[] object = write(Codec.ZSTD, content());
        for (int length : new int[] {0, 5, 20, object.length / 2, object.length - 1}) {
            byte[] truncated = Arrays.copyOf(object, length);
            assertThatThrownBy(() -> readVerified(truncated)).isInstanceOf(CorruptObjectException.class);
        }
    }

    @Test
    void anAbortedWriterPublishesNothingAndHasReleasedItsCompressor() throws IOException {
        // zstd's native context is freed only by a close; an abort that skipped it leaked it.
        try (ObjectStore store = LocalStoreProvider.at(dir)) {
            SnapshotObjectWriter out = SnapshotObjectWriter.start(store.create("aborted", WriteMode.OVERWRITE), header(Codec.ZSTD), 3);
            out.write(content());
            out.abort();

            assertThatThrownBy(() -> out.write(new byte[10], 0, 10)).isInstanceOf(IOException.class);
            assertThat(store.list("").toList()).isEmpty();
        }
    }

    @Test
    void closingAReaderBeforeTheEndReleasesItsDecompressor() throws IOException {
        byte[] object = write(Codec.ZSTD, content());
        SnapshotObjectReader reader = SnapshotObjectReader.open("obj", new ByteArrayInputStream(object));
        assertThat(reader.content().readNBytes(10)).hasSize(10);

        reader.close();

        assertThatThrownBy(() -> reader.content().readNBytes(10)).isInstanceOf(IOException.class);
    }

    @Test
    void theContentLengthIsReadFromTheTrailerAloneAndAWrongSizeIsCorrupt() throws IOException {
        byte[] content = content();
        byte[] object = write(Codec.ZSTD, content);
        try (ObjectStore store = LocalStoreProvider.at(dir)) {
            assertThat(SnapshotObjectReader.readContentLength(store, "obj", object.length)).isEqualTo(content.length);
            assertThatThrownBy(() -> SnapshotObjectReader.readContentLength(store, "obj", object.length - 1))
                    .isInstanceOf(CorruptObjectException.class).hasMessageContaining("'obj'");
            assertThatThrownBy(() -> SnapshotObjectReader.readContentLength(store, "obj", 20))
                    .isInstanceOf(CorruptObjectException.class);
        }
    }
}
