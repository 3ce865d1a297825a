package io.etcdbackup.restore.imports;

import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;

/** The reference's compression suffixes. LZW ({@code .Z}) is recognised so it can be refused by name. */
enum Compression {
    NONE(""),
    GZIP(".gz"),
    ZLIB(".zlib"),
    LZW(".Z");

    private static final int BUFFER = 64 * 1024;

    private final String suffix;

    Compression(String suffix) {
        this.suffix = suffix;
    }

    String suffix() {
        return suffix;
    }

    static Compression ofSuffix(String suffix) {
        for (Compression c : values()) {
            if (c.suffix.equals(suffix)) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown compression suffix '" + suffix + "'");
    }

    /**
     * Wraps {@code raw} in a decompressor.
     *
     * @throws UnsupportedReferenceObjectException for LZW, which Java does not read
     */
    InputStream decompress(String key, InputStream raw) throws IOException {
        return switch (this) {
            case NONE -> raw;
            case GZIP -> new GZIPInputStream(raw, BUFFER);
            case ZLIB -> new InflaterInputStream(raw, new Inflater(), BUFFER);
            case LZW -> throw unsupported(key);
        };
    }

    UnsupportedReferenceObjectException unsupported(String key) {
        return new UnsupportedReferenceObjectException(key, suffix,
                "Go's LZW compression is not supported; re-compress it with gzip or zlib (or none) under the matching suffix");
    }
}
