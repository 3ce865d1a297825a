package io.etcdbackup.restore.imports;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class ReferenceNameTest {

    @Test
    void aV2FullSnapshotNameIsParsed() {
        ReferenceName name = ReferenceName.parse("v2/Full-00000000-00000123-1700000000.gz").orElseThrow();
        assertThat(name.full()).isTrue();
        assertThat(name.folder()).isEqualTo("v2");
        assertThat(name.first()).isZero();
        assertThat(name.last()).isEqualTo(123);
        assertThat(name.createdAt()).isEqualTo(Instant.ofEpochSecond(1_700_000_000L));
        assertThat(name.compression()).isEqualTo(Compression.GZIP);
        assertThat(name.isFinal()).isFalse();
    }

    @Test
    void aFinalZlibDeltaIsParsed() {
        ReferenceName name = ReferenceName.parse("v2/Incr-00000124-00000200-1700000020.zlib.final").orElseThrow();
        assertThat(name.full()).isFalse();
        assertThat(name.first()).isEqualTo(124);
        assertThat(name.last()).isEqualTo(200);
        assertThat(name.compression()).isEqualTo(Compression.ZLIB);
        assertThat(name.isFinal()).isTrue();
    }

    @Test
    void revisionsPastEightDigitsAreWider() {
        ReferenceName name = ReferenceName.parse("v2/Incr-123456789-1234567890-1700000000").orElseThrow();
        assertThat(name.first()).isEqualTo(123_456_789L);
        assertThat(name.last()).isEqualTo(1_234_567_890L);
        assertThat(name.compression()).isEqualTo(Compression.NONE);
    }

    @Test
    void lzwIsRecognisedSoItCanBeRefusedByName() {
        assertThat(ReferenceName.parse("v2/Full-00000000-00000005-1700000000.Z.final").orElseThrow().compression())
                .isEqualTo(Compression.LZW);
    }

    @Test
    void legacyV1NamesBelongToTheirBackupFolder() {
        ReferenceName name = ReferenceName.parse("v1/Backup-1600000000/Incr-00000011-00000020-1600000100.gz").orElseThrow();
        assertThat(name.folder()).isEqualTo("v1/Backup-1600000000");
        assertThat(name.first()).isEqualTo(11);
        assertThat(name.last()).isEqualTo(20);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "v2/README",
        "v2/Full-00000000-00000005-1700000000.gz/0000000001", // a Swift chunk segment
        "v2/Full-x-00000005-1700000000",
        "v2/Incr-00000010-00000005-1700000000", // last before first
        "v2/Full-00000000-99999999999999999999-1700000000", // does not fit a long
        "v2/Full-00000000-00000005-1700000000.bz2",
        "v2/Chunk-00000000-00000005-1700000000",
        "v1/Full-00000000-00000005-1700000000", // v1 objects live in Backup-<ts> folders
        "v1/Backup-abc/Full-00000000-00000005-1700000000",
        "eba-v1/g/full/00000000000000000005.snap",
        "Full-00000000-00000005-1700000000"})
    void otherKeysAreNotReferenceObjects(String key) {
        assertThat(ReferenceName.parse(key)).isEmpty();
    }
}
