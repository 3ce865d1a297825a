package io.etcdbackup.agent.architecture;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README promises log lines as {@code key=value}, and STYLE.md that a failure passes its
 * throwable. Both are read from the production sources of every module (the build passes the
 * project root as {@code project.root}).
 */
class LogLinesTest {

    private static final Pattern LOG_CALL = Pattern.compile("\\bLOG\\.(trace|debug|info|warn|error)\\(");
    private static final Pattern CATCH = Pattern.compile("catch\\s*\\(\\s*(?:final\\s+)?[\\w.|\\s]+?\\s+(\\w+)\\s*\\)\\s*\\{");
    private static final Pattern LITERAL = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"");
    /** Build output, caches (etcd, npm packages) and git's own folder: no sources of ours. */
    private static final Set<String> SKIPPED_FOLDERS = Set.of("target", ".cache", ".git", "node_modules");
    private static List<Path> sources;

    /** The word a placeholder stands in: what follows the last blank before it. */
    private static final Pattern LAST_WORD = Pattern.compile("\\S*$");

    @Test
    void everyPlaceholderInALogMessageIsTheValueOfAKey() {
        List<String> violations = new ArrayList<>();
        for (Path source : productionSources()) {
            String text = read(source);
            Matcher call = LOG_CALL.matcher(text);
            while (call.find()) {
                String format = format(arguments(text, call.end()));
                int at = format.indexOf("{}");
                while (at >= 0) {
                    if (!isValue(format.substring(0, at))) {
                        violations.add(where(source, text, call.start()) + ": \"" + format + "\"");
                        break;
                    }
                    at = format.indexOf("{}", at + 2);
                }
            }
        }
        assertThat(violations).as("log messages with a placeholder that is not key={}").isEmpty();
    }

    @Test
    void aWarningOrErrorLoggedWhileHandlingAnExceptionPassesIt() {
        List<String> violations = new ArrayList<>();
        for (Path source : productionSources()) {
            String text = read(source);
            Matcher handler = CATCH.matcher(text);
            while (handler.find()) {
                String caught = handler.group(1);
                int end = blockEnd(text, handler.end());
                Matcher call = LOG_CALL.matcher(text).region(handler.end(), end);
                while (call.find()) {
                    if (!call.group(1).equals("warn") && !call.group(1).equals("error")) {
                        continue;
                    }
                    String arguments = arguments(text, call.end()).strip();
                    if (!arguments.matches("(?s).*,\\s*" + caught)) {
                        violations.add(where(source, text, call.start()) + ": catch (" + caught + ") logs without it");
                    }
                }
            }
        }
        assertThat(violations).as("failure logs that drop the stack trace").isEmpty();
    }

    /**
     * A placeholder is a value: part of a {@code key=...} word ({@code revision={}},
     * {@code segments={}/{}}) or inside a quoted value ({@code reason="{} of {}"}).
     */
    private static boolean isValue(String before) {
        boolean inQuotedValue = before.split("\\\\\"", -1).length % 2 == 0;
        if (inQuotedValue) {
            return true;
        }
        Matcher word = LAST_WORD.matcher(before);
        return word.find() && word.group().contains("=");
    }

    /** Every module's production sources, read once for both rules, skipping build output and caches. */
    private static List<Path> productionSources() {
        if (sources != null) {
            return sources;
        }
        Path root = Path.of(System.getProperty("project.root", "..")).toAbsolutePath().normalize();
        List<Path> found = new ArrayList<>();
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attributes) {
                    String name = dir.getFileName() == null ? "" : dir.getFileName().toString();
                    return SKIPPED_FOLDERS.contains(name) ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                    if (file.toString().endsWith(".java") && file.toString().contains("/src/main/java/")) {
                        found.add(file);
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        assertThat(found).as("production sources under " + root).isNotEmpty();
        sources = List.copyOf(found);
        return sources;
    }

    /** The text between a call's opening parenthesis (at {@code from}) and its closing one. */
    private static String arguments(String text, int from) {
        int depth = 1;
        boolean inString = false;
        int i = from;
        for (; i < text.length() && depth > 0; i++) {
            char c = text.charAt(i);
            if (inString) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
            }
        }
        return text.substring(from, i - 1);
    }

    /** The message: the string literals before the first argument that is not one, joined. */
    private static String format(String arguments) {
        StringBuilder format = new StringBuilder();
        Matcher literal = LITERAL.matcher(arguments);
        int expected = 0;
        while (literal.find() && arguments.substring(expected, literal.start()).replaceAll("[\\s+]", "").isEmpty()) {
            format.append(literal.group(1));
            expected = literal.end();
        }
        return format.toString();
    }

    private static int blockEnd(String text, int from) {
        int depth = 1;
        int i = from;
        for (; i < text.length() && depth > 0; i++) {
            if (text.charAt(i) == '{') {
                depth++;
            } else if (text.charAt(i) == '}') {
                depth--;
            }
        }
        return i;
    }

    private static String where(Path source, String text, int offset) {
        long line = text.substring(0, offset).chars().filter(c -> c == '\n').count() + 1;
        return source.getFileName() + ":" + line;
    }

    private static String read(Path source) {
        try {
            return Files.readString(source);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
