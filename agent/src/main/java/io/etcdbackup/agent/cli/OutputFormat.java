package io.etcdbackup.agent.cli;

import java.util.Locale;

/** How {@code keys} and {@code history} print: aligned columns for people, or JSON lines for tools. */
enum OutputFormat {
    TABLE,
    JSON;

    /** {@code table} or {@code json}. */
    static OutputFormat parse(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "table" -> TABLE;
            case "json" -> JSON;
            default -> throw new IllegalArgumentException("must be table or json");
        };
    }
}
