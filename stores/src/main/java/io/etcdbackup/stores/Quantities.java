package io.etcdbackup.stores;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one grammar for sizes and counts that operators write, in store URL options and in the
 * agent's flags alike.
 *
 * <p>A size is a whole number with an optional unit: {@code Ki}, {@code Mi}, {@code Gi},
 * {@code Ti} (with or without a trailing {@code B}) are powers of 1024; {@code K}, {@code M},
 * {@code G}, {@code T} (with or without {@code B}) powers of 1000; case does not matter, blanks
 * between number and unit are allowed. A count is a plain whole number.
 */
public final class Quantities {

    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([kmgt]?)(i?)(b?)");

    private Quantities() {
    }

    /**
     * Parses a size in bytes, with no range.
     *
     * @throws IllegalArgumentException quoting the text and giving examples
     */
    public static long bytes(String text) {
        return bytes(text, 1);
    }

    /**
     * Parses a size for the option {@code name} and checks that it lies in {@code [min, max]}.
     *
     * @param bareUnit what a number without unit counts (1 for bytes; a deprecated spelling such
     *                 as {@code part-size-mib} counts MiB)
     * @throws IllegalArgumentException naming the option, the value and the accepted range
     */
    public static long bytes(String name, String text, long bareUnit, long min, long max) {
        long value;
        try {
            value = bytes(text, bareUnit);
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new IllegalArgumentException(name + "='" + text + "' is not a size; use e.g. 1048576, 16MiB, 64Mi, 5MB (from "
                    + human(min) + " to " + human(max) + ")", e);
        }
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + "='" + text + "' must be from " + human(min) + " to " + human(max)
                    + " (" + min + " to " + max + " bytes)");
        }
        return value;
    }

    /**
     * Parses a whole number for the option {@code name} and checks that it lies in {@code [min, max]}.
     *
     * @throws IllegalArgumentException naming the option, the value and the accepted range
     */
    public static int whole(String name, String text, int min, int max) {
        try {
            int n = Integer.parseInt(text == null ? "" : text.strip());
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below, with the range
        }
        throw new IllegalArgumentException(name + "='" + text + "' must be a whole number from " + min + " to " + max);
    }

    /** A size as the grammar writes it, in the largest binary unit that divides it ({@code 5MiB}, {@code 1000}). */
    public static String human(long bytes) {
        String[] units = {"", "KiB", "MiB", "GiB", "TiB"};
        long value = bytes;
        int unit = 0;
        while (unit < units.length - 1 && value != 0 && value % 1024 == 0) {
            value /= 1024;
            unit++;
        }
        return value + units[unit];
    }

    private static long bytes(String text, long bareUnit) {
        Matcher m = SIZE.matcher(text == null ? "" : text.strip().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a byte size; use e.g. 1048576, 10MiB, 64Mi, 5MB");
        }
        long amount;
        try {
            amount = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is too large a byte size", e);
        }
        if (m.group(2).isEmpty() && m.group(3).isEmpty() && m.group(4).isEmpty()) {
            return Math.multiplyExact(amount, bareUnit);
        }
        int power = m.group(2).isEmpty() ? 0 : "kmgt".indexOf(m.group(2)) + 1;
        long base = m.group(3).isEmpty() ? 1000 : 1024;
        long factor = 1;
        for (int i = 0; i < power; i++) {
            factor *= base;
        }
        return Math.multiplyExact(amount, factor);
    }
}
