package io.etcdbackup.snapshot.format;

import java.io.ByteArrayOutputStream;
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
import java.util.OptionalLong;

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
    private final OptionalLong encryptedWith;
    private final CountingInputStream content;

    /** @param encryption how to read the payload; null to read the header only (no content, no keys needed) */
    private SnapshotObjectReader(String key, InputStream raw, ObjectEncryption encryption) throws IOException {
        this.key = key;
        this.body = new TrailerSplittingInputStream(key, raw);
        DataInputStream in = new DataInputStream(body);
        byte[] magic = new byte[SnapshotObjectFormat.MAGIC.length];
        SnapshotObjectFormat.EncryptionDescriptor descriptor = null;
        ByteArrayOutputStream prefix = new ByteArrayOutputStream();
        try {
            in.readFully(magic);
            boolean encrypted = Arrays.equals(magic, SnapshotObjectFormat.MAGIC_ENCRYPTED);
            if (!encrypted && !Arrays.equals(magic, SnapshotObjectFormat.MAGIC)) {
                throw new CorruptObjectException(key, "not a snapshot object (bad magic bytes)");
            }
            prefix.writeBytes(magic);
            byte[] json = readBlock(in, prefix, SnapshotObjectFormat.MAX_HEADER_BYTES, encrypted, "header");
            this.header = encrypted ? decodeEncryptedHeader(key, json) : SnapshotObjectFormat.decodeHeader(key, json);
            if (encrypted) {
                descriptor = SnapshotObjectFormat.decodeDescriptor(key,
                        readBlock(in, prefix, SnapshotObjectFormat.MAX_DESCRIPTOR_BYTES, true, "encryption block"));
                if (!ObjectEncryption.SCHEME.equals(descriptor.scheme())) {
                    throw new CorruptObjectException(key, "authentication failed: unknown encryption scheme '" + descriptor.scheme() + "'");
                }
            }
        } catch (EOFException e) {
            throw new CorruptObjectException(key, "truncated before the end of its header", e);
        }
        this.encryptedWith = descriptor == null ? OptionalLong.empty() : OptionalLong.of(descriptor.keyId());
        if (encryption == null) {
            this.content = new CountingInputStream(InputStream.nullInputStream());
            return;
        }
        InputStream payload = descriptor == null ? body : encryption.decrypt(key, descriptor.keyId(), body, prefix.toByteArray());
        this.content = new CountingInputStream(header.codec().decompress(payload));
    }

    /** For an encrypted object, every defect is an authentication failure, and says so. */
    private CorruptObjectException relabel(CorruptObjectException e) {
        if (encryptedWith.isEmpty() || e.getMessage().contains("authentication failed")) {
            return e;
        }
        return new CorruptObjectException(key, "authentication failed: " + e.getMessage(), e);
    }

    private CorruptObjectException corrupt(String why) {
        return new CorruptObjectException(key, (encryptedWith.isPresent() ? "authentication failed: " : "") + why);
    }

    private byte[] readBlock(DataInputStream in, ByteArrayOutputStream prefix, int limit, boolean encrypted, String what)
            throws IOException {
        int length = in.readInt();
        if (length <= 0 || length > limit) {
            throw new CorruptObjectException(key, (encrypted ? "authentication failed: " : "") + "implausible " + what + " length " + length);
        }
        byte[] block = new byte[length];
        in.readFully(block);
        prefix.writeBytes(ByteBuffer.allocate(4).putInt(length).array());
        prefix.writeBytes(block);
        return block;
    }

    private static ObjectHeader decodeEncryptedHeader(String key, byte[] json) {
        try {
            return SnapshotObjectFormat.decodeHeader(key, json);
        } catch (CorruptObjectException e) {
            throw new CorruptObjectException(key, "authentication failed: unreadable header", e);
        }
    }

    /**
     * Opens an object in the clear from its raw bytes; an encrypted one fails with
     * {@link MissingKeyException}. The reader owns {@code raw} and closes it.
     *
     * @throws CorruptObjectException if the magic bytes or the header are bad
     */
    public static SnapshotObjectReader open(String key, InputStream raw) throws IOException {
        return open(key, raw, ObjectEncryption.NONE);
    }

    /**
     * Opens an object from its raw bytes, decrypting it with {@code encryption} when it is
     * encrypted. The reader owns {@code raw} and closes it.
     *
     * @throws CorruptObjectException if the magic bytes, the header or the encryption block are bad
     * @throws MissingKeyException    if the object is encrypted with a key {@code encryption} does not have
     */
    public static SnapshotObjectReader open(String key, InputStream raw, ObjectEncryption encryption) throws IOException {
        try {
            return new SnapshotObjectReader(key, raw, encryption);
        } catch (IOException | RuntimeException e) {
            raw.close();
            if (e instanceof CorruptObjectException || e instanceof MissingKeyException || !(e instanceof IOException)) {
                throw e;
            }
            throw new CorruptObjectException(key, "cannot start reading: " + e.getMessage(), e);
        }
    }

    /** Reads only the header of an object in a store (one bounded range read; no keys needed for an encrypted one). */
    public static ObjectHeader readHeader(io.etcdbackup.stores.ObjectStore store, String key) throws IOException {
        InputStream raw = store.open(key, 0, 1024 * 1024);
        try (SnapshotObjectReader reader = new SnapshotObjectReader(key, raw, null)) {
            return reader.header();
        } catch (IOException e) {
            throw new CorruptObjectException(key, "cannot start reading: " + e.getMessage(), e);
        } finally {
            raw.close();
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

    /** The id of the key the object is encrypted with; empty for an object in the clear. */
    public OptionalLong encryptedWith() {
        return encryptedWith;
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
                } catch (CorruptObjectException e) {
                    throw relabel(e);
                }
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                try {
                    return super.read(b, off, len);
                } catch (IOException e) {
                    throw translate(e);
                } catch (CorruptObjectException e) {
                    throw relabel(e);
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
        } catch (CorruptObjectException e) {
            throw relabel(e);
        }
        byte[] trailer = body.drainToTrailer();
        ByteBuffer buffer = ByteBuffer.wrap(trailer);
        long bodyLength = buffer.getLong();
        long contentLength = buffer.getLong();
        byte[] expected = new byte[32];
        buffer.get(expected);
        if (bodyLength != body.bodyBytes()) {
            throw corrupt("body is " + body.bodyBytes() + " bytes, trailer says " + bodyLength);
        }
        byte[] actual = body.digest();
        if (!MessageDigest.isEqual(expected, actual)) {
            throw corrupt("SHA-256 mismatch: expected " + hex(expected) + ", got " + hex(actual));
        }
        if (contentLength != content.count()) {
            throw corrupt("content is " + content.count() + " bytes, trailer says " + contentLength);
        }
    }

    /** Uncompressed content bytes read so far. */
    public long contentBytesRead() {
        return content.count();
    }

    /** Closes the object's stream and releases the codec (zstd's native context is freed only by a close). */
    @Override
    public void close() throws IOException {
        try {
            content.close();
        } finally {
            body.close();
        }
    }

    private IOException translate(IOException e) {
        if (encryptedWith.isPresent() && failedAuthentication(e)) {
            throw new CorruptObjectException(key, "authentication failed: the ciphertext does not match its key and header ("
                    + e.getMessage() + ")", e);
        }
        if (e instanceof EOFException || e.getClass().getName().contains("Zstd") || e instanceof java.util.zip.ZipException) {
            throw new CorruptObjectException(key, "undecodable " + header.codec().id() + " payload: " + e.getMessage(), e);
        }
        return e;
    }

    /** Whether Tink refused the ciphertext (a bad tag, a bad segment, no key that decrypts it) rather than the store failing. */
    private static boolean failedAuthentication(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.security.GeneralSecurityException || String.valueOf(t.getMessage()).contains("No matching key")
                    || t.getClass().getName().startsWith("com.google.crypto.tink")) {
                return true;
            }
        }
        return false;
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
