package io.etcdbackup.stores;

/**
 * A byte range of an object as {@link ObjectStore#open(String, long, long)} asks for it:
 * {@code length} bytes from {@code offset}, where a range that runs past the end (or a length of
 * {@link Long#MAX_VALUE}) means "to the end". The one place the SPI's range rules are written.
 *
 * @param offset the first byte, at least 0
 * @param length how many bytes at most, at least 0
 */
public record ByteRange(long offset, long length) {

    /**
     * Checks a requested range.
     *
     * @throws IllegalArgumentException if offset or length is negative, naming the key
     */
    public static ByteRange of(String key, long offset, long length) {
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("negative range offset=" + offset + " length=" + length + " for " + key);
        }
        return new ByteRange(offset, length);
    }

    /** This range cut to an object of {@code size} bytes: the offset at most the size, the length at most what is left. */
    public ByteRange clampTo(long size) {
        long start = Math.min(offset, size);
        return new ByteRange(start, Math.min(length, size - start));
    }

    /** Whether the range holds no byte. */
    public boolean isEmpty() {
        return length == 0;
    }

    /** Whether the range runs to the end of any object (its last byte would overflow a long). */
    public boolean toTheEnd() {
        return length > Long.MAX_VALUE - offset;
    }

    /** The last byte, inclusive; only meaningful when not {@link #toTheEnd()} and not empty. */
    public long last() {
        return offset + length - 1;
    }

    /** The HTTP {@code Range} header value: {@code bytes=OFFSET-LAST}, or {@code bytes=OFFSET-} to the end. */
    public String httpHeader() {
        return "bytes=" + offset + "-" + (toTheEnd() ? "" : Long.toString(last()));
    }
}
