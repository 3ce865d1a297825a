package io.etcdbackup.agent.values;

import java.util.Locale;

/** The pieces of a {@link StoredValue#summary()}: sizes and text made to fit on one line. */
final class SummaryText {

    private static final String[] UNITS = {"KiB", "MiB", "GiB", "TiB"};

    private SummaryText() {
    }

    /** {@code 412 B} below 1 KiB, else one decimal in the largest binary unit: {@code 1.2 KiB}. */
    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        double value = n;
        int unit = -1;
        while (value >= 1024 && unit < UNITS.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, UNITS[unit]);
    }

    /**
     * The first {@code shown} characters (code points) of {@code text}, then {@code …} if it was longer.
     * Quotes and backslashes are escaped, and so is anything that could break the line: {@code \n},
     * {@code \r}, {@code \t}, other control characters and Unicode line separators.
     */
    static String oneLine(String text, int shown) {
        StringBuilder line = new StringBuilder();
        int count = 0;
        int i = 0;
        while (i < text.length() && count < shown) {
            int c = text.codePointAt(i);
            switch (c) {
                case '\n' -> line.append("\\n");
                case '\r' -> line.append("\\r");
                case '\t' -> line.append("\\t");
                case '"' -> line.append("\\\"");
                case '\\' -> line.append("\\\\");
                default -> {
                    if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                        line.append(String.format(Locale.ROOT, "\\u%04x", c));
                    } else {
                        line.appendCodePoint(c);
                    }
                }
            }
            i += Character.charCount(c);
            count++;
        }
        if (i < text.length()) {
            line.append('…');
        }
        return line.toString();
    }
}
