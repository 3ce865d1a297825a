package io.etcdbackup.agent.config;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Byte sizes as operators write them: {@code 1048576}, {@code 10MiB}, {@code 64Mi}, {@code 5MB}. */
public final class ByteSizes {

    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([kmgt]?)(i?)(b?)");

    private ByteSizes() {
    }

    /**
     * Parses a size; {@code Ki/Mi/Gi} (and {@code KiB...}) are powers of 1024, {@code K/M/G}
     * (and {@code KB...}) powers of 1000.
     *
     * @throws IllegalArgumentException naming the value
     */
    public static long parse(String text) {
        Matcher m = SIZE.matcher(text == null ? "" : text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a byte size; use e.g. 1048576, 10MiB, 64Mi, 5MB");
        }
        long amount = Long.parseLong(m.group(1));
        int power = m.group(2).isEmpty() ? 0 : "kmgt".indexOf(m.group(2)) + 1;
        long base = m.group(3).isEmpty() ? 1000 : 1024;
        long factor = 1;
        for (int i = 0; i < power; i++) {
            factor *= base;
        }
        return Math.multiplyExact(amount, factor);
    }
}
