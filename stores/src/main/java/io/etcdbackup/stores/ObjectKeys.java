package io.etcdbackup.stores;

import java.nio.charset.StandardCharsets;
import java.util.Comparator;

/** The key syntax every store accepts, and the one order every listing uses. */
public final class ObjectKeys {

    /** The longest key, in UTF-8 bytes, that every supported backend can hold under a prefix. */
    public static final int MAX_KEY_BYTES = 768;

    /** Orders keys by their UTF-8 bytes (unsigned), the order S3-style listings use. */
    public static final Comparator<String> UTF8_ORDER = ObjectKeys::compareUtf8;

    private ObjectKeys() {
    }

    /**
     * The folder a store's objects live in, as a string to put before each key: empty for no
     * prefix, else the prefix (a URL's path, without slashes at either end) and one {@code /}.
     */
    public static String folder(String prefix) {
        return prefix.isEmpty() ? "" : prefix + "/";
    }

    /**
     * Checks a key: non-empty, at most {@link #MAX_KEY_BYTES} UTF-8 bytes, segments separated by
     * {@code /}, no empty segment (so no leading, trailing or doubled slash), no {@code .} or
     * {@code ..} segment, no control characters. These rules hold on every backend, including a
     * filesystem.
     *
     * @return the key
     * @throws IllegalArgumentException naming the key and the rule it breaks
     */
    public static String requireValid(String key) {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("object key must not be empty");
        }
        if (key.getBytes(StandardCharsets.UTF_8).length > MAX_KEY_BYTES) {
            throw new IllegalArgumentException("object key longer than " + MAX_KEY_BYTES + " bytes: " + key);
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                throw new IllegalArgumentException("object key contains a control character at " + i + ": " + key);
            }
        }
        for (String segment : key.split("/", -1)) {
            if (segment.isEmpty()) {
                throw new IllegalArgumentException("object key has an empty segment (leading, trailing or doubled '/'): " + key);
            }
            if (segment.equals(".") || segment.equals("..")) {
                throw new IllegalArgumentException("object key has a '" + segment + "' segment: " + key);
            }
        }
        return key;
    }

    /** Compares two strings by their UTF-8 encoding, bytes unsigned. */
    public static int compareUtf8(String a, String b) {
        byte[] x = a.getBytes(StandardCharsets.UTF_8);
        byte[] y = b.getBytes(StandardCharsets.UTF_8);
        int n = Math.min(x.length, y.length);
        for (int i = 0; i < n; i++) {
            int c = Integer.compare(x[i] & 0xff, y[i] & 0xff);
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(x.length, y.length);
    }
}
