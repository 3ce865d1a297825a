package io.etcdbackup.agent.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.etcdbackup.stores.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/** The runnable jar run as a real process, the way operators run it. */
final class AgentProcess {

    /**
     * What a finished command left.
     *
     * @param exitCode process exit code
     * @param stdout   standard output
     * @param stderr   standard error (logs and the one-line error)
     */
    record Result(int exitCode, String stdout, String stderr) {
    }

    private AgentProcess() {
    }

    static Path jar() {
        return Path.of(System.getProperty("agent.jar", "target/etcd-backup-agent.jar")).toAbsolutePath();
    }

    static ProcessBuilder builder(List<String> jvmArgs, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmArgs);
        command.add("-jar");
        command.add(jar().toString());
        command.addAll(List.of(args));
        return new ProcessBuilder(command);
    }

    /** Runs a command to completion. */
    static Result run(List<String> jvmArgs, Path etcdBinDir, String... args) throws IOException, InterruptedException {
        return run(jvmArgs, java.util.Map.of(), etcdBinDir, args);
    }

    /** Runs a command to completion with extra environment variables (credentials). */
    static Result run(List<String> jvmArgs, java.util.Map<String, String> env, Path etcdBinDir, String... args)
            throws IOException, InterruptedException {
        ProcessBuilder builder = builder(jvmArgs, args);
        builder.environment().putAll(env);
        builder.environment().put("PATH", etcdBinDir + ":" + System.getenv("PATH"));
        Path stdout = Files.createTempFile("agent-stdout", ".log");
        Path stderr = Files.createTempFile("agent-stderr", ".log");
        try {
            builder.redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
            Process process = builder.start();
            if (!process.waitFor(10, TimeUnit.MINUTES)) {
                kill(process);
                throw new IllegalStateException("agent did not finish in 10 minutes: " + String.join(" ", args)
                        + "\n" + Files.readString(stderr));
            }
            return new Result(process.exitValue(), Files.readString(stdout), Files.readString(stderr));
        } finally {
            Files.deleteIfExists(stdout);
            Files.deleteIfExists(stderr);
        }
    }

    static Result run(Path etcdBinDir, String... args) throws IOException, InterruptedException {
        return run(List.of(), etcdBinDir, args);
    }

    /**
     * Stops a server the way Kubernetes does: SIGTERM, and SIGKILL for it and its children (a
     * scratch etcd) when it has not exited after a minute, so a failing test leaks no process.
     *
     * @return true when it exited on SIGTERM
     */
    static boolean stop(Process server) throws InterruptedException {
        server.destroy();
        if (server.waitFor(60, TimeUnit.SECONDS)) {
            return true;
        }
        kill(server);
        return false;
    }

    /** SIGKILL for the process and every process it started. */
    static void kill(Process process) throws InterruptedException {
        List<ProcessHandle> children = process.descendants().toList();
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        children.forEach(ProcessHandle::destroyForcibly);
    }

    /** Waits until a {@code server} logging to {@code log} has bound its HTTP port, and returns it. */
    static int awaitHttpPort(Path log, Process server) throws Exception {
        Pattern bound = Pattern.compile("http_port=(\\d+)");
        String text = await("http_port in the log", Duration.ofSeconds(30), () -> {
            String now = Files.exists(log) ? Files.readString(log) : "";
            if (!bound.matcher(now).find()) {
                assertThat(server.isAlive()).as("server running: %s", now).isTrue();
            }
            return now;
        }, now -> bound.matcher(now).find());
        Matcher m = bound.matcher(text);
        m.find();
        return Integer.parseInt(m.group(1));
    }
}
