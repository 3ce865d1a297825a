package io.etcdbackup.restore.bolt;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import io.etcd.jetcd.api.KeyValue;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * etcd's backend database read without etcd: a member's {@code member/snap/db}, or a full snapshot
 * as {@code etcdctl snapshot save} or the Maintenance API's snapshot stream gives it (the SHA-256
 * etcd appends is ignored). It answers what the keyspace held at any revision from the file's
 * compacted revision on: replay {@link #forEachRevision} up to that revision, keeping the latest
 * record of each key and dropping keys whose latest record is a tombstone.
 *
 * <p>Reads are positional and bounded: memory does not grow with the file, which may exceed 2 GiB.
 * The file must not change while open. Safe for use by several threads; as with any
 * {@link java.nio.channels.FileChannel}, interrupting a thread during a read closes the file.
 */
public final class EtcdBackendFile implements Closeable {

    private static final String KEY_BUCKET = "key";
    private static final String META_BUCKET = "meta";
    private static final String LEASE_BUCKET = "lease";
    private static final byte[] FINISHED_COMPACT_REV = "finishedCompactRev".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SCHEDULED_COMPACT_REV = "scheduledCompactRev".getBytes(StandardCharsets.US_ASCII);
    /** A revision key: main revision, '_', sub revision, each revision 8 bytes big-endian. */
    private static final int REVISION_KEY = 17;
    /** A tombstone's key: a revision key and 't'. */
    private static final int TOMBSTONE_KEY = 18;
    private static final int KEY_TAG = 1 << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED;
    /** The tag of field 1 and the varint of its length: enough of a value to find where its key lies. */
    private static final int KEY_HEADER_MAX = 1 + 5;
    private static final int LEASE_TTL_FIELD = 2;

    private final BoltFile bolt;
    private final BoltFile.Bucket keys;

    private EtcdBackendFile(BoltFile bolt, BoltFile.Bucket keys) {
        this.bolt = bolt;
        this.keys = keys;
    }

    /**
     * Opens {@code file} for reading.
     *
     * @throws InvalidBackendFileException naming the file, when it is not a bbolt database or has no
     *                                     {@code key} bucket
     * @throws java.nio.file.NoSuchFileException when it does not exist
     */
    public static EtcdBackendFile open(Path file) throws IOException {
        BoltFile bolt = BoltFile.open(file);
        try {
            BoltFile.Bucket keys = bolt.bucket(KEY_BUCKET)
                    .orElseThrow(() -> bolt.invalid("it is a bbolt database without etcd's key bucket"));
            return new EtcdBackendFile(bolt, keys);
        } catch (IOException | RuntimeException e) {
            bolt.close();
            throw e;
        }
    }

    /**
     * The revision below which the records may be incomplete: the last compaction's, whether it
     * finished ({@code finishedCompactRev}) or was only scheduled ({@code scheduledCompactRev}: etcd
     * records it first, then removes old records in batches, each committed, and records the
     * finished one last; a snapshot taken meanwhile holds some of the old records and not others).
     * 0 if no compaction happened. Records at or below it are only those compaction kept: a key's
     * latest record.
     */
    public long compactedRevision() throws IOException {
        Optional<BoltFile.Bucket> meta = bolt.bucket(META_BUCKET);
        if (meta.isEmpty()) {
            return 0;
        }
        return Math.max(revisionIn(meta.get(), FINISHED_COMPACT_REV, "finishedCompactRev"),
                revisionIn(meta.get(), SCHEDULED_COMPACT_REV, "scheduledCompactRev"));
    }

    /** The main revision the meta bucket holds under {@code key} (a revision key), 0 when absent. */
    private long revisionIn(BoltFile.Bucket meta, byte[] key, String name) throws IOException {
        Optional<BoltPage.Entry> entry = bolt.get(meta, key);
        if (entry.isEmpty()) {
            return 0;
        }
        if (entry.get().valueLength() < 8) {
            throw bolt.invalid(name + " holds " + entry.get().valueLength() + " bytes, not a revision");
        }
        return entry.get().value(0, 8).order(ByteOrder.BIG_ENDIAN).getLong();
    }

    /**
     * Visits every record of the {@code key} bucket in ascending revision order (main, then sub
     * revision), tombstones included. Values are not read; only each record's key is.
     *
     * @throws InvalidBackendFileException when a page or record is malformed
     */
    public void forEachRevision(RevisionVisitor visitor) throws IOException {
        bolt.forEach(keys, entry -> visitor.visit(record(entry)));
    }

    /**
     * The whole {@code KeyValue} of {@code record}, a record visited on this file, read again from
     * the file. For a tombstone only its key is set.
     *
     * @throws InvalidBackendFileException when the value is not a {@code KeyValue} or lies past the end of the file
     */
    public KeyValue read(RevisionRecord record) throws IOException {
        return parse(bolt.read(record.valueOffset(), record.valueLength()), record.mainRevision(), record.subRevision());
    }

    /**
     * The granted TTL in seconds of every lease in the file, by lease id, in ascending id order
     * (ids as unsigned). Empty when the file has no {@code lease} bucket.
     */
    public Map<Long, Long> leaseTtls() throws IOException {
        Optional<BoltFile.Bucket> leases = bolt.bucket(LEASE_BUCKET);
        if (leases.isEmpty()) {
            return Map.of();
        }
        Map<Long, Long> ttls = new LinkedHashMap<>();
        bolt.forEach(leases.get(), entry -> {
            if (entry.isBucket() || entry.key().length != 8) {
                throw bolt.invalid("the lease bucket holds an entry of " + entry.key().length + " bytes where a lease id belongs");
            }
            long id = ByteBuffer.wrap(entry.key()).getLong();
            ttls.put(id, ttl(entry.value(), id));
        });
        return Collections.unmodifiableMap(ttls);
    }

    /** Closes the file. */
    @Override
    public void close() throws IOException {
        bolt.close();
    }

    private RevisionRecord record(BoltPage.Entry entry) throws IOException {
        byte[] revision = entry.key();
        boolean tombstone = revision.length == TOMBSTONE_KEY && revision[REVISION_KEY] == 't';
        if (entry.isBucket() || (revision.length != REVISION_KEY && !tombstone) || revision[8] != '_') {
            throw bolt.invalid("the key bucket holds an entry of " + revision.length + " bytes where a revision belongs");
        }
        ByteBuffer bytes = ByteBuffer.wrap(revision);
        long main = bytes.getLong(0);
        long sub = bytes.getLong(9);
        return new RevisionRecord(main, sub, tombstone, etcdKey(entry, main, sub), entry.valueOffset(), entry.valueLength());
    }

    /** The key of a record's KeyValue, read without the rest of the value. */
    private ByteString etcdKey(BoltPage.Entry entry, long main, long sub) throws IOException {
        // etcd writes field 1 (the key) first; then only its bytes are read.
        CodedInputStream header = CodedInputStream.newInstance(entry.value(0, Math.min(entry.valueLength(), KEY_HEADER_MAX)));
        try {
            if (header.readTag() == KEY_TAG) {
                int length = header.readRawVarint32();
                int at = header.getTotalBytesRead();
                if (length >= 0 && (long) at + length <= entry.valueLength()) {
                    return ByteString.copyFrom(entry.value(at, length));
                }
            }
        } catch (InvalidProtocolBufferException e) {
            // Not the usual layout: parsed whole below, which names what is wrong.
        }
        return parse(entry.value(), main, sub).getKey();
    }

    private KeyValue parse(ByteBuffer value, long main, long sub) throws IOException {
        try {
            return KeyValue.parseFrom(value);
        } catch (InvalidProtocolBufferException e) {
            throw new InvalidBackendFileException(bolt.path(), "the value of revision " + main + "_" + sub + " is not a KeyValue", e);
        }
    }

    /** Field 2 of a {@code leasepb.Lease}: its granted TTL. */
    private long ttl(ByteBuffer lease, long id) throws IOException {
        CodedInputStream in = CodedInputStream.newInstance(lease);
        long ttl = 0;
        try {
            for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
                if (WireFormat.getTagFieldNumber(tag) == LEASE_TTL_FIELD && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_VARINT) {
                    ttl = in.readInt64();
                } else if (!in.skipField(tag)) {
                    break;
                }
            }
        } catch (InvalidProtocolBufferException e) {
            throw new InvalidBackendFileException(bolt.path(), "the value of lease " + id + " is not a Lease", e);
        }
        return ttl;
    }
}
