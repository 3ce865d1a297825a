package io.etcdbackup.bench.soak;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The agent's runnable jar, run as processes the way a pod runs it: one-shot commands
 * ({@code initialize}, {@code restore}) to completion, and {@code server} until stopped. etcd's
 * binaries are on the children's {@code PATH}. Every process started is killed, with its children,
 * by {@link #killAll()} or at the latest when this JVM exits, so a failed soak leaks nothing.
 */
public final class AgentJar {

    /** One-shot commands start fast: they do little work, and the client compiler is enough for it. */
    private static final List<String> ONE_SHOT_JVM = List.of("-Xmx256m", "-XX:TieredStopAtLevel=1");

    private static final Set<Process> RUNNING = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(AgentJar::killQuietly), "agent-jar-reaper"));
    }

    /** What a finished command left: its exit code, its stdout and its stderr (also appended to its log). */
    public record Result(int exitCode, String stdout, String stderr) {
        /** The start and the end of stderr: a usage error comes first, a failure's cause last. */
        public String stderrExcerpt() {
            return Logs.excerpt(stderr, 5, 30);
        }
    }

    private final Path jar;
    private final String java;
    private final Path etcdBinDir;

    /**
     * @param jar        {@code agent/target/etcd-backup-agent.jar}
     * @param java       the java executable that runs it
     * @param etcdBinDir the folder of etcd, etcdctl and etcdutl
     */
    public AgentJar(Path jar, String java, Path etcdBinDir) {
        this.jar = jar.toAbsolutePath();
        this.java = java;
        this.etcdBinDir = etcdBinDir.toAbsolutePath();
    }

    public Path etcdBinDir() {
        return etcdBinDir;
    }

    /** Runs a one-shot command to completion; its stderr is also appended to {@code log}. */
    Result run(List<String> args, Path log, Duration timeout) throws IOException, InterruptedException {
        Path stdout = Files.createTempFile("agent-stdout", ".txt");
        Path stderr = Files.createTempFile("agent-stderr", ".txt");
        try {
            Process process = builder(ONE_SHOT_JVM, args).redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
            RUNNING.add(process);
            boolean finished;
            try {
                finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
                if (!finished) {
                    kill(process);
                }
            } finally {
                RUNNING.remove(process);
            }
            String err = Files.readString(stderr, StandardCharsets.UTF_8);
            Files.createDirectories(log.toAbsolutePath().getParent());
            Files.writeString(log, err, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            if (!finished) {
                throw new IOException("agent " + args.get(0) + " did not finish within " + timeout + "; its stderr:\n" + Logs.excerpt(err, 5, 30));
            }
            return new Result(process.exitValue(), Files.readString(stdout, StandardCharsets.UTF_8), err);
        } finally {
            Files.deleteIfExists(stdout);
            Files.deleteIfExists(stderr);
        }
    }

    /** Starts a long-running command ({@code server ...}); stdout and stderr are appended to {@code log}. */
    Process start(List<String> jvmOptions, List<String> args, Path log) throws IOException {
        Files.createDirectories(log.toAbsolutePath().getParent());
        Process process = builder(jvmOptions, args).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        RUNNING.add(process);
        return process;
    }

    private ProcessBuilder builder(List<String> jvmOptions, List<String> args) {
        List<String> command = new ArrayList<>(List.of(java));
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", jar.toString()));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("PATH", etcdBinDir + ":" + System.getenv("PATH"));
        return builder;
    }

    /** SIGKILL for the process and every process it started (a pod's container dies with its children). */
    static void kill(Process process) throws InterruptedException {
        List<ProcessHandle> children = process.descendants().toList();
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        children.forEach(ProcessHandle::destroyForcibly);
        RUNNING.remove(process);
    }

    /**
     * SIGTERM, as Kubernetes stops a container, then SIGKILL after {@code grace}.
     *
     * @return whether it exited on SIGTERM
     */
    static boolean stop(Process process, Duration grace) throws InterruptedException {
        process.destroy();
        boolean exited = process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS);
        if (!exited) {
            kill(process);
        }
        RUNNING.remove(process);
        return exited;
    }

    /** Kills every process this JVM started through any {@code AgentJar} that is still running. */
    static void killAll() {
        for (Process process : List.copyOf(RUNNING)) {
            killQuietly(process);
        }
    }

    private static void killQuietly(Process process) {
        try {
            kill(process);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
