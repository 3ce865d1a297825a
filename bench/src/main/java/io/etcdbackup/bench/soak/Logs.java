package io.etcdbackup.bench.soak;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The ends of the pods' logs, for the messages of failures. A line repeated with only its time
 * changed (etcd warns about an unreachable or mismatched peer several times a second) is shown
 * once with its count, so that a tail still reaches back to what happened before.
 */
final class Logs {

    /** etcd's {@code "ts":"..."} and the agent's leading ISO time. */
    private static final Pattern TIME = Pattern.compile("\"ts\":\"[^\"]*\"|^\\d{4}-\\d{2}-\\d{2}T[\\d:.]+Z");

    private Logs() {
    }

    /** The last {@code lines} lines of {@code log}, repetitions folded, or a note that there is none. */
    static String tail(Path log, int lines) {
        try {
            // decoded leniently: a log cut mid-character by a kill -9 is still shown
            List<String> folded = fold(List.of(new String(Files.readAllBytes(log), StandardCharsets.UTF_8).split("\n")));
            return String.join("\n", folded.subList(Math.max(0, folded.size() - lines), folded.size()));
        } catch (IOException e) {
            return "(no log at " + log + ")";
        }
    }

    /** {@code lines} with each run of lines that differ only in their time shown as its last line and a count. */
    static List<String> fold(List<String> lines) {
        List<String> folded = new ArrayList<>();
        String previous = null;
        int repeats = 0;
        for (String line : lines) {
            String timeless = TIME.matcher(line).replaceAll("");
            if (timeless.equals(previous)) {
                repeats++;
                folded.set(folded.size() - 1, line + "   [x" + (repeats + 1) + "]");
                continue;
            }
            previous = timeless;
            repeats = 0;
            folded.add(line);
        }
        return folded;
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
