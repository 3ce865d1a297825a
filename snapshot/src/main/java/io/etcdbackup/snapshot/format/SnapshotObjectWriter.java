package io.etcdbackup.snapshot.format;

import io.etcdbackup.stores.ObjectWriter;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Streams one snapshot object into a store: header first, then the content compressed as it is
 * written, then the trailer on {@link #finish()}, which publishes the object. Nothing is
 * buffered beyond the codec's window and the store writer's parts.
 */
public final class SnapshotObjectWriter extends OutputStream {

    /** Bytes after the body: the trailer. Object size = {@link #bodyLength()} + this. */
    public static final int TRAILER_BYTES = SnapshotObjectFormat.TRAILER_BYTES;

    private final ObjectWriter target;
    private final MessageDigest digest;
    private final CountingOutputStream body;
    private final OutputStream compressed;
    private long contentLength;
    private boolean done;

    private SnapshotObjectWriter(ObjectWriter target, ObjectHeader header, int level) throws IOException {
        this.target = target;
        this.digest = sha256();
        this.body = new CountingOutputStream(new DigestOutputStream(new NonClosingOutputStream(target), digest));
        byte[] json = SnapshotObjectFormat.encodeHeader(header);
        body.write(SnapshotObjectFormat.MAGIC);
        body.write(ByteBuffer.allocate(4).putInt(json.length).array());
        body.write(json);
        this.compressed = header.codec().compress(body, level);
    }

    /**
     * Starts an object in {@code target} with {@code header}; the codec comes from the header.
     * On any failure the target is aborted.
     */
    public static SnapshotObjectWriter start(ObjectWriter target, ObjectHeader header, int level) throws IOException {
        try {
            return new SnapshotObjectWriter(target, header, level);
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

    /** Discards the object. Never throws. */
    public void abort() {
        done = true;
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

    private static final class NonClosingOutputStream extends FilterOutputStream {
        NonClosingOutputStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            out.flush();
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
