package io.etcdbackup.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A child process with its wall time, peak resident set size (VmHWM) and CPU time (user plus
 * system), both sampled from /proc every 20 ms: both only grow, so the last sample before exit is
 * within a sample of the final figure.
 * Every child is registered so that a shutdown hook can kill what is still running.
 */
final class Child {

    private static final Set<Process> RUNNING = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(Process::destroyForcibly)));
    }

    /** What a finished child did. */
    record Result(int exitCode, double seconds, long peakRssBytes, double cpuSeconds, String stdout) {
    }

    /** Clock ticks per second of /proc/PID/stat's times: USER_HZ, 100 on every Linux architecture Java runs on. */
    private static final double TICKS_PER_SECOND = 100;

    private final Process process;
    private final long startNanos;
    private final Path stdout;
    private final Path stderr;
    private final Thread sampler;
    private volatile long peakRssKb;
    private volatile long cpuTicks;
    private volatile boolean sampling = true;

    private Child(Process process, long startNanos, Path stdout, Path stderr) {
        this.process = process;
        this.startNanos = startNanos;
        this.stdout = stdout;
        this.stderr = stderr;
        this.sampler = new Thread(this::sample, "rss-" + process.pid());
        this.sampler.setDaemon(true);
        this.sampler.start();
    }

    /** Starts {@code command}; output goes to {@code logBase}.out and .err. */
    static Child start(List<String> command, Map<String, String> env, Path logBase) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().putAll(env);
        Path out = Path.of(logBase + ".out");
        Path err = Path.of(logBase + ".err");
        Files.createDirectories(out.getParent());
        builder.redirectOutput(out.toFile()).redirectError(err.toFile());
        long start = System.nanoTime();
        Process process = builder.start();
        RUNNING.add(process);
        return new Child(process, start, out, err);
    }

    /** Runs {@code command} to completion; fails with the end of its stderr on a non-zero exit. */
    static Result run(List<String> command, Map<String, String> env, Path logBase, Duration timeout) throws Exception {
        Child child = start(command, env, logBase);
        Result result = child.await(timeout);
        if (result.exitCode() != 0) {
            throw new IllegalStateException("command failed (exit " + result.exitCode() + "): " + String.join(" ", command)
                    + "\n" + child.tailOfStderr());
        }
        return result;
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Waits for exit; kills the child when the time runs out. */
    Result await(Duration timeout) throws Exception {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            RUNNING.remove(process);
            throw new IllegalStateException("child " + process.pid() + " did not finish within " + timeout + "\n" + tailOfStderr());
        }
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        sampling = false;
        sampler.join(1000);
        RUNNING.remove(process);
        return new Result(process.exitValue(), seconds, peakRssKb * 1024, cpuSeconds(), Files.readString(stdout, StandardCharsets.UTF_8));
    }

    /** SIGTERM, then waits (SIGKILL after {@code grace}). */
    Result stop(Duration grace) throws Exception {
        process.destroy();
        return await(grace);
    }

    /** CPU time (user plus system) the child used so far: read now while it runs, else as last sampled. */
    double cpuSeconds() {
        try {
            cpuTicks = Math.max(cpuTicks, ticks(Files.readString(Path.of("/proc/" + process.pid() + "/stat"), StandardCharsets.UTF_8)));
        } catch (IOException exited) {
            // the last sample stands
        }
        return cpuTicks / TICKS_PER_SECOND;
    }

    String tailOfStderr() {
        try {
            List<String> lines = Files.readAllLines(stderr, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no stderr)";
        }
    }

    /** utime + stime of a /proc/PID/stat line; fields counted after the command's closing parenthesis. */
    static long ticks(String statLine) {
        String[] fields = statLine.substring(statLine.lastIndexOf(')') + 2).trim().split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // fields 14 and 15 of proc(5)
    }

    private void sample() {
        Path status = Path.of("/proc/" + process.pid() + "/status");
        Path stat = Path.of("/proc/" + process.pid() + "/stat");
        while (sampling && process.isAlive()) {
            try {
                cpuTicks = Math.max(cpuTicks, ticks(Files.readString(stat, StandardCharsets.UTF_8)));
                for (String line : Files.readAllLines(status, StandardCharsets.UTF_8)) {
                    if (line.startsWith("VmHWM:")) {
                        long kb = Long.parseLong(line.replaceAll("[^0-9]", ""));
                        if (kb > peakRssKb) {
                            peakRssKb = kb;
                        }
                    }
                }
                Thread.sleep(20);
            } catch (IOException gone) {
                return;
            } catch (InterruptedException e) {
                return;
            }
        }
    }
}
