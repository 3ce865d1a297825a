package io.etcdbackup.agent.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

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
        Path stderr = java.nio.file.Files.createTempFile("agent-stderr", ".log");
        builder.redirectError(stderr.toFile());
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(10, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new IllegalStateException("agent did not finish: " + String.join(" ", args));
        }
        String err = java.nio.file.Files.readString(stderr);
        java.nio.file.Files.delete(stderr);
        return new Result(process.exitValue(), out, err);
    }

    static Result run(Path etcdBinDir, String... args) throws IOException, InterruptedException {
        return run(List.of(), etcdBinDir, args);
    }
}
