package io.etcdbackup.restore.init;

import com.google.protobuf.CodedInputStream;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads a member's write-ahead log ({@code member/wal/*.wal}) and raft snapshot files
 * ({@code member/snap/*.snap}) the way etcd does when it starts (the format is the same from 3.4
 * to 3.6), and says whether etcd could start on them. Read-only: where etcd would repair
 * something itself (truncate a torn last record, set a broken snapshot file aside) this only notes
 * it.
 *
 * <p>What etcd refuses and this reports: WAL file names out of sequence; a record whose CRC does
 * not continue the chain (bit rot, a lost or foreign file); a record cut short or undecodable
 * anywhere but at the very end of the last file; metadata (member and cluster id) that changes
 * between files; no raft snapshot to start from; entries after it that skip indexes; a commit
 * index beyond the last entry. What etcd tolerates and this notes: a torn last record, snapshot
 * files that fail their CRC while an older one matches the WAL.
 */
final class WalCheck {

    /**
     * The outcome.
     *
     * @param problem what stops etcd, if anything
     * @param notes   what etcd copes with, and a one-line summary of the log
     */
    record Result(Optional<String> problem, List<String> notes) {
    }

    private static final Pattern WAL_NAME = Pattern.compile("([0-9a-f]{16})-([0-9a-f]{16})\\.wal");
    private static final Pattern SNAP_NAME = Pattern.compile("([0-9a-f]{16})-([0-9a-f]{16})\\.snap");
    // walpb.Record types
    private static final int METADATA = 1;
    private static final int ENTRY = 2;
    private static final int STATE = 3;
    private static final int CRC = 4;
    private static final int SNAPSHOT = 5;
    private static final int SECTOR = 512;

    private record WalFile(Path path, long seq, long index) {
    }

    private record RaftSnapshot(long index, long term) {
    }

    /** Thrown inside the reader for what etcd refuses. */
    private static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message, null, false, false);
        }
    }

    private final List<String> notes = new ArrayList<>();
    private final List<RaftSnapshot> walSnapshots = new ArrayList<>();
    // Entry indexes in the order written, as runs of consecutive indexes (first, last), so that a
    // log of millions of entries takes a few longs.
    private final List<long[]> entryRuns = new ArrayList<>();
    private byte[] metadata;
    private long commit;
    private boolean hardStateSeen;
    private int crc;
    private long records;

    private WalCheck() {
    }

    /** Checks {@code member} (a data directory's {@code member/} folder); the layout is already known to be there. */
    static Result check(Path member) throws IOException {
        WalCheck check = new WalCheck();
        try {
            check.run(member);
            return new Result(Optional.empty(), check.notes);
        } catch (Refused refused) {
            return new Result(Optional.of(refused.getMessage()), check.notes);
        }
    }

    private void run(Path member) throws IOException, Refused {
        List<WalFile> files = walFiles(member.resolve("wal"));
        for (int i = 0; i < files.size(); i++) {
            read(files.get(i), i == files.size() - 1);
        }
        // etcd starts from the newest snapshot file that the WAL recorded at or below its commit index.
        List<RaftSnapshot> usable = walSnapshots.stream().filter(s -> s.index() <= commit).toList();
        RaftSnapshot start = null;
        String startName = null;
        for (Path snap : snapFiles(member.resolve("snap"))) {
            Matcher m = SNAP_NAME.matcher(snap.getFileName().toString());
            m.matches();
            RaftSnapshot named = new RaftSnapshot(Long.parseUnsignedLong(m.group(2), 16), Long.parseUnsignedLong(m.group(1), 16));
            if (!usable.contains(named)) {
                continue; // etcd ignores snapshot files the WAL does not vouch for
            }
            Optional<String> broken = snapFileProblem(snap);
            if (broken.isPresent()) {
                notes.add("raft snapshot file " + snap.getFileName() + " " + broken.get()
                        + "; etcd sets it aside as .broken and starts from an older one");
                continue;
            }
            start = named;
            startName = snap.getFileName().toString();
            break;
        }
        if (start == null) {
            start = new RaftSnapshot(0, 0);
            if (!walSnapshots.contains(start) || files.get(0).index() != 0) {
                throw new Refused("no raft snapshot to start from: no member/snap/*.snap file matches a snapshot the WAL"
                        + " recorded, and the WAL no longer begins at index 0");
            }
        }
        long startIndex = start.index();
        if (files.stream().noneMatch(f -> Long.compareUnsigned(f.index(), startIndex) <= 0)) {
            throw new Refused("no WAL file begins at or before index " + startIndex + " of the raft snapshot "
                    + startName + " (WAL files missing)");
        }
        long last = entriesAfter(startIndex);
        if (hardStateSeen && commit > last) {
            throw new Refused("the WAL's commit index " + commit + " is beyond its last entry " + last
                    + ": committed entries are missing");
        }
        notes.add(0, "WAL: " + files.size() + " file(s), " + records + " records, entries up to index " + last + ", commit "
                + commit + ", raft snapshot at index " + startIndex + (startName == null ? "" : " (" + startName + ")")
                + metadataSummary());
    }

    private static List<WalFile> walFiles(Path walDir) throws IOException, Refused {
        List<WalFile> files = new ArrayList<>();
        try (Stream<Path> entries = Files.list(walDir)) {
            for (Path p : (Iterable<Path>) entries.sorted()::iterator) {
                Matcher m = WAL_NAME.matcher(p.getFileName().toString());
                if (m.matches()) {
                    files.add(new WalFile(p, Long.parseUnsignedLong(m.group(1), 16), Long.parseUnsignedLong(m.group(2), 16)));
                }
            }
        }
        if (files.isEmpty()) {
            throw new Refused("member/wal holds no WAL file");
        }
        for (int i = 1; i < files.size(); i++) {
            if (files.get(i).seq() != files.get(i - 1).seq() + 1) {
                throw new Refused("WAL file sequence jumps from " + files.get(i - 1).path().getFileName() + " to "
                        + files.get(i).path().getFileName() + " (a file is missing)");
            }
        }
        return files;
    }

    /** Newest first, as etcd tries them. */
    private static List<Path> snapFiles(Path snapDir) throws IOException {
        try (Stream<Path> entries = Files.list(snapDir)) {
            return entries.filter(p -> SNAP_NAME.matcher(p.getFileName().toString()).matches())
                    .sorted(java.util.Comparator.reverseOrder()).toList();
        }
    }

    private void read(WalFile file, boolean lastFile) throws IOException, Refused {
        String name = file.path().getFileName().toString();
        long size = Files.size(file.path());
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file.path()), 1 << 16)) {
            long offset = 0;
            byte[] frame = new byte[8];
            while (true) {
                int got = in.readNBytes(frame, 0, 8);
                if (got == 0) {
                    return; // end of file
                }
                if (got < 8) {
                    cutShort(name, offset, lastFile);
                    return;
                }
                long length = littleEndian(frame);
                if (length == 0) {
                    return; // preallocated space: the end of this file's records
                }
                long recordBytes = length & 0x00FF_FFFF_FFFF_FFFFL;
                long padding = length < 0 ? (length >>> 56) & 0x7 : 0;
                if (recordBytes + padding > size - offset - 8) {
                    cutShort(name, offset, lastFile);
                    return;
                }
                byte[] data = in.readNBytes((int) (recordBytes + padding));
                if (!record(data, (int) recordBytes, name, offset, lastFile)) {
                    return;
                }
                offset += 8 + recordBytes + padding;
            }
        }
    }

    /** Decodes and checks one record; false when it is a torn last record (the end of the log). */
    private boolean record(byte[] data, int length, String file, long offset, boolean lastFile) throws Refused {
        long type = 0;
        int recordCrc = 0;
        byte[] payload = new byte[0];
        try {
            CodedInputStream in = CodedInputStream.newInstance(data, 0, length);
            for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
                switch (tag >>> 3) {
                    case 1 -> type = in.readInt64();
                    case 2 -> recordCrc = in.readUInt32();
                    case 3 -> payload = in.readByteArray();
                    default -> in.skipField(tag);
                }
            }
        } catch (IOException e) {
            if (lastFile && torn(data, offset)) {
                notes.add(tornNote(file, offset));
                return false;
            }
            throw new Refused("WAL file " + file + ": undecodable record at offset " + offset + " (" + e.getMessage() + ")");
        }
        if (type == CRC) {
            if (crc != 0 && recordCrc != crc) {
                throw new Refused("WAL file " + file + " does not continue the CRC chain of the file before it (a lost, replaced"
                        + " or foreign WAL file)");
            }
            crc = recordCrc;
        } else {
            crc = Crc32c.update(crc, payload, 0, payload.length);
            if (crc != recordCrc) {
                if (lastFile && torn(data, offset)) {
                    notes.add(tornNote(file, offset));
                    return false;
                }
                throw new Refused("WAL file " + file + ": CRC mismatch in the record at offset " + offset + " (damaged on disk)");
            }
        }
        records++;
        try {
            switch ((int) type) {
                case METADATA -> {
                    if (metadata != null && !Arrays.equals(metadata, payload)) {
                        throw new Refused("WAL file " + file + ": member or cluster id differs from the earlier files'");
                    }
                    metadata = payload;
                }
                case ENTRY -> entry(payload);
                case STATE -> {
                    commit = field(payload, 3);
                    hardStateSeen = true;
                }
                case SNAPSHOT -> walSnapshots.add(new RaftSnapshot(field(payload, 1), field(payload, 2)));
                case CRC -> {
                    // checked above
                }
                default -> throw new Refused("WAL file " + file + ": record of unknown type " + type + " at offset " + offset);
            }
        } catch (IOException e) {
            // The CRC held, so the writer wrote this: not a WAL etcd understands.
            throw new Refused("WAL file " + file + ": record at offset " + offset + " is not what its type says (" + e.getMessage() + ")");
        }
        return true;
    }

    private void entry(byte[] payload) throws IOException {
        long index = field(payload, 3); // raftpb.Entry.Index
        long[] run = entryRuns.isEmpty() ? null : entryRuns.get(entryRuns.size() - 1);
        if (run != null && index == run[1] + 1) {
            run[1] = index;
        } else {
            entryRuns.add(new long[] {index, index});
        }
    }

    /**
     * Replays etcd's reading of entries after the raft snapshot at {@code start}: an entry may
     * overwrite earlier ones (a new leader's log), never skip ahead.
     *
     * @return the last entry index etcd would load
     */
    private long entriesAfter(long start) throws Refused {
        long last = start;
        for (long[] run : entryRuns) {
            if (run[1] <= start) {
                continue;
            }
            long first = Math.max(run[0], start + 1);
            if (first > last + 1) {
                throw new Refused("WAL entries jump from index " + last + " to " + first + " (entries missing)");
            }
            last = run[1];
        }
        return last;
    }

    private void cutShort(String file, long offset, boolean lastFile) throws Refused {
        if (!lastFile) {
            throw new Refused("WAL file " + file + " ends inside the record at offset " + offset + " and is not the last file");
        }
        notes.add(tornNote(file, offset));
    }

    private static String tornNote(String file, long offset) {
        return "WAL file " + file + " ends with an unfinished record at offset " + offset
                + " (a write cut short by a crash; etcd truncates it when it starts)";
    }

    /**
     * etcd's test for a torn write: the record's bytes, split at 512-byte sector boundaries of the
     * file, include a piece that is all zeros (a sector that was never written).
     */
    private static boolean torn(byte[] data, long recordOffset) {
        long fileOffset = recordOffset + 8;
        int at = 0;
        while (at < data.length) {
            int length = (int) Math.min(SECTOR - (fileOffset % SECTOR), data.length - at);
            boolean zeros = true;
            for (int i = at; i < at + length && zeros; i++) {
                zeros = data[i] == 0;
            }
            if (zeros) {
                return true;
            }
            at += length;
            fileOffset += length;
        }
        return false;
    }

    /** A raft snapshot file's problem: snappb.Snapshot {crc = 1, data = 2}, CRC-32C of data. */
    private static Optional<String> snapFileProblem(Path snap) throws IOException {
        byte[] bytes = Files.readAllBytes(snap);
        if (bytes.length == 0) {
            return Optional.of("is empty");
        }
        try {
            CodedInputStream in = CodedInputStream.newInstance(bytes);
            int expected = 0;
            byte[] data = new byte[0];
            for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
                switch (tag >>> 3) {
                    case 1 -> expected = in.readUInt32();
                    case 2 -> data = in.readByteArray();
                    default -> in.skipField(tag);
                }
            }
            if (data.length == 0 || expected == 0) {
                return Optional.of("holds no snapshot");
            }
            int actual = Crc32c.update(0, data, 0, data.length);
            return actual == expected ? Optional.empty() : Optional.of("fails its CRC");
        } catch (IOException e) {
            return Optional.of("is undecodable");
        }
    }

    /** A varint field of a small protobuf message (0 when absent). */
    private static long field(byte[] message, int number) throws IOException {
        CodedInputStream in = CodedInputStream.newInstance(message);
        long value = 0;
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            if (tag >>> 3 == number && (tag & 7) == 0) {
                value = in.readUInt64();
            } else {
                in.skipField(tag);
            }
        }
        return value;
    }

    private String metadataSummary() {
        if (metadata == null) {
            return "";
        }
        try {
            return ", member " + Long.toHexString(field(metadata, 1)) + " of cluster " + Long.toHexString(field(metadata, 2));
        } catch (IOException e) {
            return "";
        }
    }

    private static long littleEndian(byte[] b) {
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | (b[i] & 0xffL);
        }
        return v;
    }
}
