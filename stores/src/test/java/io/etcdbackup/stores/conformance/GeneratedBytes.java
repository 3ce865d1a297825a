package io.etcdbackup.stores.conformance;

import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.ObjectWriter;
import io.etcdbackup.stores.WriteMode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Deterministic pseudo-random content of any length, produced block by block so that large
 * objects are never held in memory. Each 64 KiB block comes from its own seed, so the content
 * has no period that a part size could divide: swapped or repeated parts change the hash.
 */
public final class GeneratedBytes {

    static final int BLOCK = 64 * 1024;

    private final long seed;
    private final long length;

    public GeneratedBytes(long seed, long length) {
        if (length < 0) {
            throw new IllegalArgumentException("negative length " + length);
        }
        this.seed = seed;
        this.length = length;
    }

    public long length() {
        return length;
    }

    /** Writes the whole content to {@code out} in {@value #BLOCK}-byte writes; returns its SHA-256 (hex). */
    public String writeTo(OutputStream out) throws IOException {
        MessageDigest digest = sha256();
        byte[] block = new byte[BLOCK];
        for (long pos = 0; pos < length; pos += BLOCK) {
            int n = (int) Math.min(BLOCK, length - pos);
            fillBlock(pos / BLOCK, block);
            out.write(block, 0, n);
            digest.update(block, 0, n);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /**
     * Writes the whole content to {@code key} through one writer (aborted if a write fails) and
     * publishes it; returns the SHA-256 (hex) of what was written.
     */
    public String publish(ObjectStore store, String key, WriteMode mode) throws IOException {
        ObjectWriter writer = store.create(key, mode);
        String written;
        try {
            written = writeTo(writer);
        } catch (Throwable t) {
            writer.abort();
            throw t;
        }
        writer.close();
        return written;
    }

    /**
     * Asserts that {@code key} holds what {@link #publish} wrote: its size by {@code stat}, and
     * its length and SHA-256 read back as one stream (never held in memory).
     */
    public void assertPublishedAt(ObjectStore store, String key, String writtenSha256) throws IOException {
        assertThat(store.stat(key).size()).isEqualTo(length);
        try (InputStream in = store.open(key)) {
            Digest read = digest(in);
            assertThat(read.length()).isEqualTo(length);
            assertThat(read.sha256Hex()).isEqualTo(writtenSha256);
        }
    }

    /** The bytes at {@code [offset, offset + count)}, cut at the end of the content. */
    public byte[] slice(long offset, int count) {
        long end = Math.min(length, offset + count);
        if (offset >= end) {
            return new byte[0];
        }
        byte[] result = new byte[(int) (end - offset)];
        byte[] block = new byte[BLOCK];
        long current = -1;
        for (int i = 0; i < result.length; i++) {
            long pos = offset + i;
            if (pos / BLOCK != current) {
                current = pos / BLOCK;
                fillBlock(current, block);
            }
            result[i] = block[(int) (pos % BLOCK)];
        }
        return result;
    }

    /** SHA-256 (hex) of the whole content, computed by generating it again. */
    public String sha256Hex() throws IOException {
        return writeTo(OutputStream.nullOutputStream());
    }

    /** Reads {@code in} to its end; returns the byte count and SHA-256 (hex) without holding the data. */
    public static Digest digest(InputStream in) throws IOException {
        MessageDigest digest = sha256();
        byte[] buffer = new byte[BLOCK];
        long total = 0;
        for (int n; (n = in.read(buffer)) >= 0; ) {
            digest.update(buffer, 0, n);
            total += n;
        }
        return new Digest(total, HexFormat.of().formatHex(digest.digest()));
    }

    /** Length and SHA-256 of a stream that was read. */
    public record Digest(long length, String sha256Hex) {
    }

    private void fillBlock(long index, byte[] block) {
        new SplittableRandom(seed * 0x9E3779B97F4A7C15L + index).nextBytes(block);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
