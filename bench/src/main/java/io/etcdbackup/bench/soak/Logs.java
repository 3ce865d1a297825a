package io.etcdbackup.bench.soak;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The ends of the pods' logs, for the messages of failures. */
final class Logs {

    private Logs() {
    }

    /** The last {@code lines} lines of {@code log}, or a note that there is none. */
    static String tail(Path log, int lines) {
        try {
            // decoded leniently: a log cut mid-character by a kill -9 is still shown
            List<String> all = List.of(new String(Files.readAllBytes(log), StandardCharsets.UTF_8).split("\n"));
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log at " + log + ")";
        }
    }

    /** The first {@code head} and the last {@code tail} lines of {@code text}, with a mark where lines were left out. */
    static String excerpt(String text, int head, int tail) {
        List<String> lines = List.of(text.split("\n"));
        if (lines.size() <= head + tail) {
            return text;
        }
        return String.join("\n", lines.subList(0, head)) + "\n[... " + (lines.size() - head - tail) + " lines ...]\n"
                + String.join("\n", lines.subList(lines.size() - tail, lines.size()));
    }

    /** {@code tail} under a heading naming the log. */
    static String section(String title, Path log, int lines) {
        return "---- " + title + " (" + log + "), last " + lines + " lines:\n" + tail(log, lines) + "\n";
    }
}
