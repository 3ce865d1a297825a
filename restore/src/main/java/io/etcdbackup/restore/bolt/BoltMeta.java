package io.etcdbackup.restore.bolt;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;

/**
 * One of a bbolt file's two meta pages: where the tree of buckets starts and which transaction
 * wrote it. bbolt writes the two alternately, so a torn write damages at most one; the reader uses
 * the valid one with the higher transaction id.
 *
 * @param pageSize      the page size of the whole file
 * @param rootPage      the page of the root bucket, which lists the top-level buckets
 * @param highWaterMark the first page id past the end of the data; no valid page id reaches it
 * @param txid          the transaction that wrote this meta
 * @param problem       why this meta is not valid (bad magic, version or checksum), empty if it is
 */
record BoltMeta(int pageSize, long rootPage, long highWaterMark, long txid, Optional<String> problem) {

    static final int MAGIC = 0xED0CDAED;
    static final int VERSION = 2;
    /** Offset of the meta within its page: right after the page header. */
    static final int OFFSET = BoltPage.HEADER_SIZE;
    /** Bytes covered by the checksum: everything before it. */
    static final int CHECKSUMMED = 56;
    static final int SIZE = CHECKSUMMED + 8;

    private static final long FNV_OFFSET_BASIS = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;

    /** Decodes the meta stored in {@code page}, the first bytes of a meta page (at least {@link #OFFSET} + {@link #SIZE}). */
    static BoltMeta decode(ByteBuffer page) {
        ByteBuffer meta = page.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        meta.position(OFFSET);
        meta = meta.slice().order(ByteOrder.LITTLE_ENDIAN);
        int magic = meta.getInt(0);
        int version = meta.getInt(4);
        int pageSize = meta.getInt(8);
        long rootPage = meta.getLong(16);
        long highWaterMark = meta.getLong(40);
        long txid = meta.getLong(48);
        long checksum = meta.getLong(CHECKSUMMED);
        String problem = null;
        if (magic != MAGIC) {
            problem = String.format("magic is 0x%08x, not 0x%08x", magic, MAGIC);
        } else if (version != VERSION) {
            problem = "version is " + version + ", not " + VERSION;
        } else if (checksum != fnv1a64(meta, CHECKSUMMED)) {
            problem = "checksum does not match";
        }
        return new BoltMeta(pageSize, rootPage, highWaterMark, txid, Optional.ofNullable(problem));
    }

    boolean valid() {
        return problem.isEmpty();
    }

    /** bbolt's meta checksum: 64-bit FNV-1a of the first {@code length} bytes. */
    static long fnv1a64(ByteBuffer bytes, int length) {
        long hash = FNV_OFFSET_BASIS;
        for (int i = 0; i < length; i++) {
            hash ^= bytes.get(i) & 0xff;
            hash *= FNV_PRIME;
        }
        return hash;
    }
}
