package io.etcdbackup.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/** Where and on what the figures were measured. */
final class Machine {

    private Machine() {
    }

    /**
     * Cores, memory, CPU, OS, JDK, date and the repository's git revision ({@code +dirty} with
     * local changes); {@code system} holds the JVM's system properties (os.name, java.vm.name ...).
     */
    static Map<String, String> describe(Path repo, Properties system) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("cores", Integer.toString(Runtime.getRuntime().availableProcessors()));
        m.put("memory", procField("/proc/meminfo", "MemTotal").map(kb -> String.format("%.1f GiB",
                Long.parseLong(kb.replaceAll("[^0-9]", "")) / 1024.0 / 1024.0)).orElse("unknown"));
        m.put("cpu", procField("/proc/cpuinfo", "model name").orElse("unknown"));
        m.put("os", osRelease() + " (" + system.getProperty("os.name") + " " + system.getProperty("os.version") + ")");
        m.put("jdk", system.getProperty("java.vm.name") + " " + system.getProperty("java.runtime.version"));
        m.put("date", java.time.OffsetDateTime.now().withNano(0).toString());
        m.put("revision", gitRevision(repo));
        return m;
    }

    static String gitRevision(Path repo) {
        String head = run(repo, "git", "rev-parse", "--short", "HEAD").strip();
        if (head.isEmpty()) {
            return "unknown";
        }
        String status = run(repo, "git", "status", "--porcelain");
        return status.isBlank() ? head : head + "+dirty";
    }

    private static String osRelease() {
        return procField("/etc/os-release", "PRETTY_NAME").map(v -> v.replace("\"", "")).orElse("unknown");
    }

    private static java.util.Optional<String> procField(String file, String name) {
        try {
            for (String line : Files.readAllLines(Path.of(file), StandardCharsets.UTF_8)) {
                int sep = line.indexOf(line.contains("=") && !line.contains(":") ? '=' : ':');
                if (sep > 0 && line.substring(0, sep).strip().equals(name)) {
                    return java.util.Optional.of(line.substring(sep + 1).strip());
                }
            }
        } catch (IOException e) {
            // not Linux
        }
        return java.util.Optional.empty();
    }

    private static String run(Path dir, String... command) {
        try {
            Process p = new ProcessBuilder(List.of(command)).directory(dir.toFile()).redirectErrorStream(false).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "";
            }
            return p.exitValue() == 0 ? out : "";
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }
}
