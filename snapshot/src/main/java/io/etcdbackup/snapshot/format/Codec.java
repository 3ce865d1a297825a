package io.etcdbackup.snapshot.format;

import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import com.github.luben.zstd.ZstdOutputStreamNoFinalizer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/** Compression of snapshot payloads. The codec's name is recorded in every object's header. */
public enum Codec {
    /** Zstandard (default): fast, and a better ratio than gzip at level 3. */
    ZSTD("zstd"),
    /** gzip, for tools that only speak gzip. */
    GZIP("gzip"),
    /** No compression. */
    NONE("none");

    /** Default Zstandard level: a good balance measured on etcd databases. */
    public static final int DEFAULT_ZSTD_LEVEL = 3;

    private final String id;

    Codec(String id) {
        this.id = id;
    }

    /** The name used in headers and on the command line. */
    public String id() {
        return id;
    }

    /**
     * Parses a codec name ({@code zstd}, {@code gzip}, {@code none}).
     *
     * @throws IllegalArgumentException naming the value and the accepted names
     */
    public static Codec fromId(String id) {
        for (Codec codec : values()) {
            if (codec.id.equals(id.toLowerCase(Locale.ROOT))) {
                return codec;
            }
        }
        throw new IllegalArgumentException("unknown compression '" + id + "'; use one of "
                + Arrays.stream(values()).map(Codec::id).toList());
    }

    /**
     * Wraps {@code out} so that bytes written are compressed into it. Closing the returned
     * stream finishes the compressed stream and closes {@code out}.
     *
     * @param level compression level (Zstandard 1-19, gzip 1-9); ignored by {@link #NONE}
     */
    public OutputStream compress(OutputStream out, int level) throws IOException {
        return switch (this) {
            case ZSTD -> new ZstdOutputStreamNoFinalizer(out, level);
            case GZIP -> new LeveledGzipOutputStream(out, Math.min(9, Math.max(1, level)));
            case NONE -> out;
        };
    }

    /** The level used when none is configured. */
    public int defaultLevel() {
        return this == GZIP ? 6 : DEFAULT_ZSTD_LEVEL;
    }

    /** Wraps {@code in} so that reads return the decompressed bytes. */
    public InputStream decompress(InputStream in) throws IOException {
        return switch (this) {
            case ZSTD -> new ZstdInputStreamNoFinalizer(in);
            case GZIP -> new GZIPInputStream(in, 64 * 1024);
            case NONE -> in;
        };
    }

    private static final class LeveledGzipOutputStream extends GZIPOutputStream {
        LeveledGzipOutputStream(OutputStream out, int level) throws IOException {
            super(out, 64 * 1024);
            def.setLevel(level);
        }
    }
}
