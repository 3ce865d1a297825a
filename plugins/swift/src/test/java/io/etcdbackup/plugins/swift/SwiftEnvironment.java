package io.etcdbackup.plugins.swift;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Starts the all-in-one Swift + Keystone of {@code scripts/swift-aio.sh} once per test JVM
 * ({@code install}, then {@code start DIR}) and stops it when the JVM's tests are done. When the
 * environment cannot be installed or started the tests fail: they never skip. Test methods and
 * {@code @BeforeAll} methods get the {@link Running} environment as a parameter.
 */
final class SwiftEnvironment implements BeforeAllCallback, ParameterResolver {

    /** The running environment's connection facts ({@code OS_*}, {@code SWIFT_CONTAINER}, ...). */
    record Running(Path dir, Map<String, String> facts) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            run(List.of("bash", script().toString(), "stop", dir.toString()), 60);
            try (var paths = Files.walk(dir)) {
                for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(path);
                }
            }
        }

        String container() {
            return facts.get("SWIFT_CONTAINER");
        }
    }

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(SwiftEnvironment.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        context.getRoot().getStore(NAMESPACE).computeIfAbsent(Running.class, ignored -> start(), Running.class);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == Running.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE).computeIfAbsent(Running.class, ignored -> start(), Running.class);
    }

    private static Running start() {
        try {
            run(List.of("bash", script().toString(), "install"), 600);
            Path dir = Files.createTempDirectory("swift-aio-");
            try {
                run(List.of("bash", script().toString(), "start", dir.toString()), 180);
            } catch (IOException | RuntimeException e) {
                run(List.of("bash", script().toString(), "stop", dir.toString()), 60);
                throw e;
            }
            Map<String, String> facts = new LinkedHashMap<>();
            for (String line : Files.readAllLines(dir.resolve("facts.env"), StandardCharsets.UTF_8)) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    facts.put(line.substring(0, eq), line.substring(eq + 1));
                }
            }
            return new Running(dir, Map.copyOf(facts));
        } catch (IOException e) {
            throw new IllegalStateException("the Swift test environment did not start: " + e.getMessage(), e);
        }
    }

    private static Path script() {
        String root = System.getProperty("project.root");
        if (root == null) {
            throw new IllegalStateException("system property project.root is not set (Maven's failsafe sets it)");
        }
        return Path.of(root, "scripts", "swift-aio.sh");
    }

    private static void run(List<String> command, int timeoutSeconds) throws IOException {
        Path log = Files.createTempFile("swift-aio-", ".log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(String.join(" ", command) + " did not finish in " + timeoutSeconds + " s; output:\n" + Files.readString(log));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IOException("interrupted while running " + String.join(" ", command), e);
        }
        if (process.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " exited with " + process.exitValue() + "; output:\n" + Files.readString(log));
        }
        Files.deleteIfExists(log);
    }
}
