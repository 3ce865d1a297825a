package io.etcdbackup.snapshot.format;

import java.io.Closeable;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * Reads one snapshot object as a stream: the header at once, then the decompressed content.
 * The content must not be trusted until {@link #verify()} has returned: it drains the object to
 * its end and checks lengths and the SHA-256 in the trailer. Any defect, including undecodable
 * compressed data, surfaces as a {@link CorruptObjectException} naming the object.
 */
public final class SnapshotObjectReader implements Closeable {

    private final String key;
    private final TrailerSplittingInputStream body;
    private final ObjectHeader header;
    private final CountingInputStream content;

    private SnapshotObjectReader(String key, InputStream raw) throws IOException {
        this.key = key;
        this.body = new TrailerSplittingInputStream(key, raw);
        DataInputStream in = new DataInputStream(body);
        byte[] magic = new byte[SnapshotObjectFormat.MAGIC.length];
        try {
            in.readFully(magic);
            if (!Arrays.equals(magic, SnapshotObjectFormat.MAGIC)) {
                throw new CorruptObjectException(key, "not a snapshot object (bad magic bytes)");
            }
            int headerLength = in.readInt();
            if (headerLength <= 0 || headerLength > SnapshotObjectFormat.MAX_HEADER_BYTES) {
                throw new CorruptObjectException(key, "implausible header length " + headerLength);
            }
            byte[] json = new byte[headerLength];
            in.readFully(json);
            this.header = SnapshotObjectFormat.decodeHeader(key, json);
        } catch (EOFException e) {
            throw new CorruptObjectException(key, "truncated before the end of its header", e);
        }
        this.content = new CountingInputStream(header.codec().decompress(body));
    }

    /**
     * Opens an object from its raw bytes. The reader owns {@code raw} and closes it.
     *
     * @throws CorruptObjectException if the magic bytes or the header are bad
     */
    public static SnapshotObjectReader open(String key, InputStream raw) throws IOException {
        try {
            return new SnapshotObjectReader(key, raw);
        } catch (IOException | RuntimeException e) {
            raw.close();
            if (e instanceof CorruptObjectException || !(e instanceof IOException)) {
                throw e;
            }
            throw new CorruptObjectException(key, "cannot start reading: " + e.getMessage(), e);
        }
    }

    /** Reads only the header of an object in a store (one bounded range read). */
    public static ObjectHeader readHeader(io.etcdbackup.stores.ObjectStore store, String key) throws IOException {
        try (SnapshotObjectReader reader = open(key, store.open(key, 0, 1024 * 1024))) {
            return reader.header();
        }
    }

    /**
     * The uncompressed content length an object's trailer records, from one ranged read of its
     * last bytes. Like {@link #readHeader}, a statement for planning, not a verified fact: only
     * reading the whole object ({@link #verify()}) checks it.
     *
     * @param size the object's size in bytes, as the catalog or a listing reports it
     * @throws CorruptObjectException if the trailer does not fit an object of that size
     */
    public static long readContentLength(io.etcdbackup.stores.ObjectStore store, String key, long size) throws IOException {
        int trailerBytes = SnapshotObjectFormat.TRAILER_BYTES;
        if (size < SnapshotObjectFormat.MAGIC.length + 4 + trailerBytes) {
            throw new CorruptObjectException(key, "an object of " + size + " bytes cannot hold a header and a trailer");
        }
        byte[] trailer;
        try (InputStream in = store.open(key, size - trailerBytes, trailerBytes)) {
            trailer = in.readNBytes(trailerBytes);
        }
        ByteBuffer buffer = ByteBuffer.wrap(trailer);
        if (trailer.length != trailerBytes || buffer.getLong() != size - trailerBytes) {
            throw new CorruptObjectException(key, "its trailer does not describe an object of " + size + " bytes");
        }
        long contentLength = buffer.getLong();
        if (contentLength < 0) {
            throw new CorruptObjectException(key, "its trailer records a negative content length " + contentLength);
        }
        return contentLength;
    }

    public ObjectHeader header() {
        return header;
    }

    /**
     * The decompressed content. Reads may throw {@link CorruptObjectException} for undecodable
     * data; a clean end of content does not prove integrity: call {@link #verify()}.
     */
    public InputStream content() {
        return new FilterInputStream(content) {
            @Override
            public int read() throws IOException {
                try {
                    return super.read();
                } catch (IOException e) {
                    throw translate(e);
                }
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                try {
                    return super.read(b, off, len);
                } catch (IOException e) {
                    throw translate(e);
                }
            }
        };
    }

    /**
     * Reads the rest of the object and checks it against its trailer.
     *
     * @throws CorruptObjectException if a length or the checksum does not match
     */
    public void verify() throws IOException {
        try {
            content.transferTo(OutputStream.nullOutputStream());
        } catch (IOException e) {
            throw translate(e);
        }
        byte[] trailer = body.drainToTrailer();
        ByteBuffer buffer = ByteBuffer.wrap(trailer);
        long bodyLength = buffer.getLong();
        long contentLength = buffer.getLong();
        byte[] expected = new byte[32];
        buffer.get(expected);
        if (bodyLength != body.bodyBytes()) {
            throw new CorruptObjectException(key, "body is " + body.bodyBytes() + " bytes, trailer says " + bodyLength);
        }
        byte[] actual = body.digest();
        if (!MessageDigest.isEqual(expected, actual)) {
            throw new CorruptObjectException(key, "SHA-256 mismatch: expected " + hex(expected) + ", got " + hex(actual));
        }
        if (contentLength != content.count()) {
            throw new CorruptObjectException(key, "content is " + content.count() + " bytes, trailer says " + contentLength);
        }
    }

    /** Uncompressed content bytes read so far. */
    public long contentBytesRead() {
        return content.count();
    }

    @Override
    public void close() throws IOException {
        body.close();
    }

    private IOException translate(IOException e) {
        if (e instanceof EOFException || e.getClass().getName().contains("Zstd") || e instanceof java.util.zip.ZipException) {
            throw new CorruptObjectException(key, "undecodable " + header.codec().id() + " payload: " + e.getMessage(), e);
        }
        return e;
    }

    static String hex(byte[] bytes) {
        StringBuilder s = new StringBuilder();
        for (byte b : bytes) {
            s.append(String.format("%02x", b));
        }
        return s.toString();
    }

    /** Passes everything but the final trailer through, digesting what it passes. */
    private static final class TrailerSplittingInputStream extends InputStream {
        private final String key;
        private final InputStream raw;
        private final MessageDigest digest = SnapshotObjectWriter.sha256();
        private final byte[] buffer = new byte[64 * 1024 + SnapshotObjectFormat.TRAILER_BYTES];
        private int start;
        private int end;
        private boolean eof;
        private long bodyBytes;

        TrailerSplittingInputStream(String key, InputStream raw) {
            this.key = key;
            this.raw = raw;
        }

        private void fill() throws IOException {
            while (!eof && end - start <= SnapshotObjectFormat.TRAILER_BYTES) {
                if (start > 0) {
                    System.arraycopy(buffer, start, buffer, 0, end - start);
                    end -= start;
                    start = 0;
                }
                int n = raw.read(buffer, end, buffer.length - end);
                if (n < 0) {
                    eof = true;
                } else {
                    end += n;
                }
            }
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            fill();
            int available = end - start - SnapshotObjectFormat.TRAILER_BYTES;
            if (available <= 0) {
                if (end - start < SnapshotObjectFormat.TRAILER_BYTES) {
                    throw new CorruptObjectException(key, "truncated: no complete trailer");
                }
                return -1;
            }
            int n = Math.min(len, available);
            System.arraycopy(buffer, start, b, off, n);
            digest.update(buffer, start, n);
            start += n;
            bodyBytes += n;
            return n;
        }

        byte[] drainToTrailer() throws IOException {
            byte[] skip = new byte[64 * 1024];
            while (read(skip, 0, skip.length) >= 0) {
                // digesting the rest of the body
            }
            return Arrays.copyOfRange(buffer, start, end);
        }

        long bodyBytes() {
            return bodyBytes;
        }

        byte[] digest() {
            return digest.digest();
        }

        @Override
        public void close() throws IOException {
            raw.close();
        }
    }

    private static final class CountingInputStream extends FilterInputStream {
        private long count;

        CountingInputStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }

        long count() {
            return count;
        }
    }
}
