package io.etcdbackup.snapshot.format;

import io.etcdbackup.stores.ObjectWriter;

import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.OptionalLong;

/**
 * Streams one snapshot object into a store: header first, then the content compressed as it is
 * written, then the trailer on {@link #finish()}, which publishes the object. Nothing is
 * buffered beyond the codec's window and the store writer's parts.
 */
public final class SnapshotObjectWriter extends OutputStream {

    /** Bytes after the body: the trailer. Object size = {@link #bodyLength()} + this. */
    public static final int TRAILER_BYTES = SnapshotObjectFormat.TRAILER_BYTES;

    private final ObjectWriter target;
    private final TargetSink sink;
    private final MessageDigest digest;
    private final CountingOutputStream body;
    private final OutputStream compressed;
    private long contentLength;
    private boolean done;

    private SnapshotObjectWriter(ObjectWriter target, ObjectHeader header, int level, ObjectEncryption encryption) throws IOException {
        this.target = target;
        this.digest = sha256();
        this.sink = new TargetSink(target);
        this.body = new CountingOutputStream(new DigestOutputStream(sink, digest));
        OptionalLong key = encryption.encryptingKey();
        ByteArrayOutputStream prefix = new ByteArrayOutputStream();
        prefix.write(key.isPresent() ? SnapshotObjectFormat.MAGIC_ENCRYPTED : SnapshotObjectFormat.MAGIC);
        writeBlock(prefix, SnapshotObjectFormat.encodeHeader(header));
        if (key.isPresent()) {
            writeBlock(prefix, SnapshotObjectFormat.encodeDescriptor(
                    new SnapshotObjectFormat.EncryptionDescriptor(ObjectEncryption.SCHEME, key.getAsLong())));
        }
        byte[] associatedData = prefix.toByteArray();
        body.write(associatedData);
        OutputStream payload = key.isPresent() ? encryption.encrypt(body, associatedData) : body;
        this.compressed = header.codec().compress(payload, level);
    }

    private static void writeBlock(ByteArrayOutputStream out, byte[] block) {
        out.writeBytes(ByteBuffer.allocate(4).putInt(block.length).array());
        out.writeBytes(block);
    }

    /** As {@link #start(ObjectWriter, ObjectHeader, int, ObjectEncryption)}, in the clear. */
    public static SnapshotObjectWriter start(ObjectWriter target, ObjectHeader header, int level) throws IOException {
        return start(target, header, level, ObjectEncryption.NONE);
    }

    /**
     * Starts an object in {@code target} with {@code header}; the codec comes from the header,
     * and the payload is encrypted with {@code encryption}'s current key, if it has one. On any
     * failure the target is aborted.
     */
    public static SnapshotObjectWriter start(ObjectWriter target, ObjectHeader header, int level, ObjectEncryption encryption)
            throws IOException {
        try {
            return new SnapshotObjectWriter(target, header, level, encryption);
        } catch (IOException | RuntimeException e) {
            target.abort();
            throw e;
        }
    }

    @Override
    public void write(int b) throws IOException {
        compressed.write(b);
        contentLength++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        compressed.write(b, off, len);
        contentLength += len;
    }

    /** Finishes compression, writes the trailer and publishes the object. */
    public void finish() throws IOException {
        if (done) {
            return;
        }
        done = true;
        try {
            compressed.close(); // flushes the codec into body; the target stays open
            long bodyLength = body.count();
            ByteBuffer trailer = ByteBuffer.allocate(SnapshotObjectFormat.TRAILER_BYTES);
            trailer.putLong(bodyLength).putLong(contentLength).put(digest.digest());
            target.write(trailer.array());
            target.close();
        } catch (IOException | RuntimeException e) {
            target.abort();
            throw e;
        }
    }

    /** Uncompressed bytes written so far. */
    public long contentLength() {
        return contentLength;
    }

    /** Compressed object bytes so far (header and payload, without trailer). */
    public long bodyLength() {
        return body.count();
    }

    /**
     * Discards the object and releases the codec (zstd's native context is freed only by a
     * close: a writer aborted without one would leak it for the life of the process). Never
     * throws.
     */
    public void abort() {
        done = true;
        sink.discard();
        try {
            compressed.close(); // its last bytes go nowhere
        } catch (IOException | RuntimeException alreadyFailing) {
            // the codec is released all the same; the object is being discarded anyway
        }
        target.abort();
    }

    /** {@link #finish()} is the way to publish; close without finish aborts. */
    @Override
    public void close() {
        if (!done) {
            abort();
        }
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }

    /** The target, left open by a close (the trailer follows), and deaf once the object is discarded. */
    private static final class TargetSink extends FilterOutputStream {
        private boolean discarding;

        TargetSink(OutputStream out) {
            super(out);
        }

        void discard() {
            discarding = true;
        }

        @Override
        public void write(int b) throws IOException {
            if (!discarding) {
                out.write(b);
            }
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (!discarding) {
                out.write(b, off, len);
            }
        }

        @Override
        public void flush() throws IOException {
            if (!discarding) {
                out.flush();
            }
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }

    private static final class CountingOutputStream extends FilterOutputStream {
        private long count;

        CountingOutputStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }

        long count() {
            return count;
        }
    }
}
