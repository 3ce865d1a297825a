package io.etcdbackup.restore.init;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcdbackup.restore.init.DataDirVerdict.Status;
import io.etcdbackup.etcdprocess.EtcdProcess;
import io.etcdbackup.snapshot.testing.EtcdClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Validation of real etcd 3.4 data directories, each damage checked against etcd itself: what the
 * validator calls invalid, etcd refuses to start on; what it calls valid with a note, etcd starts on.
 */
class DataDirValidatorIT {

    // Small snapshot count: the member writes raft snapshot files (member/snap/*.snap) after a few writes.
    @RegisterExtension
    final EtcdClusterExtension etcd = EtcdClusterExtension.members(1, "--snapshot-count=20");

    private final DataDirValidator validator = new DataDirValidator(etcd.binaries());

    /** Writes {@code n} keys, stops the member, and returns its data dir and the revision it holds. */
    private long writeAndStop(int n) throws Exception {
        Client client = etcd.client();
        long revision = 0;
        for (int i = 0; i < n; i++) {
            revision = client.getKVClient().put(bytes("/k/" + i), bytes("v" + i)).get().getHeader().getRevision();
        }
        etcd.member(0).stop();
        return revision;
    }

    private Path dataDir() {
        return etcd.member(0).spec().dataDir();
    }

    private Path onlyWalFile() throws IOException {
        try (Stream<Path> files = Files.list(dataDir().resolve("member/wal"))) {
            List<Path> wal = files.filter(p -> p.toString().endsWith(".wal")).toList();
            assertThat(wal).hasSize(1);
            return wal.get(0);
        }
    }

    /** Whether etcd starts on the data dir (it may repair it first, as it does after a crash). */
    private boolean etcdStarts() {
        try (EtcdProcess restarted = EtcdProcess.start(etcd.member(0).spec())) {
            restarted.awaitHealthy(Duration.ofSeconds(60));
            return true;
        } catch (IOException refused) {
            return false;
        }
    }

    @Test
    void aStoppedMembersDataDirIsValidInBothModesAtItsRevision() throws Exception {
        long revision = writeAndStop(50);

        DataDirVerdict sanity = validator.validate(dataDir(), ValidationMode.SANITY);
        DataDirVerdict full = validator.validate(dataDir(), ValidationMode.FULL);

        assertThat(sanity.status()).isEqualTo(Status.VALID);
        assertThat(sanity.revision()).hasValue(revision);
        assertThat(full.status()).isEqualTo(Status.VALID);
        assertThat(full.revision()).hasValue(revision);
        assertThat(full.notes()).singleElement().asString().startsWith("WAL: 1 file(s)").contains("raft snapshot at index", ".snap");
        assertThat(etcdStarts()).isTrue();
    }

    @Test
    void aDamagedWalRecordIsInvalidInFullModeOnlyAndEtcdRefusesItToo() throws Exception {
        writeAndStop(50);
        List<long[]> records = records(onlyWalFile());
        long[] middle = records.get(records.size() / 2);
        flipByte(onlyWalFile(), middle[0] + 8 + middle[2] - 1); // the record's last byte: part of its data

        DataDirVerdict full = validator.validate(dataDir(), ValidationMode.FULL);

        assertThat(full.status()).isEqualTo(Status.INVALID);
        assertThat(full.reason()).contains(onlyWalFile().getFileName().toString(), "offset " + middle[0]);
        assertThat(validator.validate(dataDir(), ValidationMode.SANITY).status()).isEqualTo(Status.VALID);
        assertThat(etcdStarts()).isFalse();
    }

    @Test
    void aTornLastWalRecordIsValidWithANoteAndEtcdRepairsItWhenItStarts() throws Exception {
        writeAndStop(50);
        List<long[]> records = records(onlyWalFile());
        long[] last = records.get(records.size() - 1);
        // A crash after the length was written but before the record's sector was.
        zero(onlyWalFile(), last[0] + 8, last[1] - 8);

        DataDirVerdict full = validator.validate(dataDir(), ValidationMode.FULL);

        assertThat(full.status()).isEqualTo(Status.VALID);
        assertThat(full.notes()).anySatisfy(note -> assertThat(note).contains("unfinished record at offset " + last[0], "truncates"));
        assertThat(etcdStarts()).isTrue();
    }

    @Test
    void aBrokenNewestRaftSnapshotFileIsValidWithANoteAndEtcdFallsBackToAnOlderOne() throws Exception {
        writeAndStop(70);
        List<Path> snaps;
        try (Stream<Path> files = Files.list(dataDir().resolve("member/snap"))) {
            snaps = files.filter(p -> p.toString().endsWith(".snap")).sorted().toList();
        }
        assertThat(snaps).hasSizeGreaterThan(1);
        Path newest = snaps.get(snaps.size() - 1);
        flipByte(newest, Files.size(newest) / 2);

        DataDirVerdict full = validator.validate(dataDir(), ValidationMode.FULL);

        assertThat(full.status()).isEqualTo(Status.VALID);
        assertThat(full.notes()).anySatisfy(note -> assertThat(note).contains(newest.getFileName().toString(), "fails its CRC"));
        assertThat(full.notes().get(0)).contains(snaps.get(snaps.size() - 2).getFileName().toString());
        assertThat(etcdStarts()).isTrue();
    }

    @Test
    void aGapInTheWalFileSequenceIsInvalidAndEtcdRefusesItToo() throws Exception {
        writeAndStop(10);
        Files.createFile(dataDir().resolve("member/wal/0000000000000002-0000000000000000.wal"));

        DataDirVerdict full = validator.validate(dataDir(), ValidationMode.FULL);

        assertThat(full.status()).isEqualTo(Status.INVALID);
        assertThat(full.reason()).contains("sequence jumps", "a file is missing");
        assertThat(etcdStarts()).isFalse();
    }

    @Test
    void aDatabaseWithDamagedMetaPagesIsInvalidInBothModesAndEtcdRefusesItToo() throws Exception {
        writeAndStop(10);
        zero(dataDir().resolve("member/snap/db"), 0, 8192);

        for (ValidationMode mode : ValidationMode.values()) {
            DataDirVerdict verdict = validator.validate(dataDir(), mode);
            assertThat(verdict.status()).as(mode.label()).isEqualTo(Status.INVALID);
            assertThat(verdict.reason()).as(mode.label()).contains("member/snap/db is unreadable");
        }
        assertThat(etcdStarts()).isFalse();
    }

    /** The (offset, frame size, record size) of every record in a WAL file, from the length fields alone. */
    private static List<long[]> records(Path wal) throws IOException {
        List<long[]> records = new ArrayList<>();
        try (RandomAccessFile file = new RandomAccessFile(wal.toFile(), "r")) {
            long offset = 0;
            byte[] frame = new byte[8];
            while (offset + 8 <= file.length()) {
                file.seek(offset);
                file.readFully(frame);
                long length = ByteBuffer.wrap(frame).order(ByteOrder.LITTLE_ENDIAN).getLong();
                if (length == 0) {
                    break;
                }
                long recordSize = length & 0x00FF_FFFF_FFFF_FFFFL;
                long size = 8 + recordSize + (length < 0 ? (length >>> 56) & 0x7 : 0);
                records.add(new long[] {offset, size, recordSize});
                offset += size;
            }
        }
        return records;
    }

    private static void flipByte(Path file, long offset) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(offset);
            int b = f.read();
            f.seek(offset);
            f.write(b ^ 0xff);
        }
    }

    private static void zero(Path file, long offset, long length) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(offset);
            f.write(new byte[(int) length]);
        }
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }
}
