package io.etcdbackup.bench;

import io.etcdbackup.bench.soak.AgentJar;
import io.etcdbackup.etcdprocess.EtcdBinaries;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What every scenario runs things with: the work directory (child logs go to its {@code logs/}),
 * the etcd binaries, and the agent's runnable jar with the java that runs it. Also the progress
 * lines all scenarios print.
 */
final class Harness {

    static final long MIB = 1024L * 1024;
    static final double MB = 1e6;

    private static final Map<String, String> ETCDCTL_ENV = Map.of("ETCDCTL_API", "3");

    private final Path work;
    private final EtcdBinaries binaries;
    private final Path agentJar;
    private final String java;

    /**
     * @param work     an empty directory the bench owns; deleted by the caller afterwards
     * @param agentJar the agent's runnable jar
     * @param java     the java executable that runs it
     */
    Harness(Path work, EtcdBinaries binaries, Path agentJar, String java) {
        this.work = work;
        this.binaries = binaries;
        this.agentJar = agentJar;
        this.java = java;
    }

    Path work() {
        return work;
    }

    EtcdBinaries binaries() {
        return binaries;
    }

    /** The agent's jar as the chaos soak runs it, with etcd's binaries on its children's PATH. */
    AgentJar agentJarForSoak() {
        return new AgentJar(agentJar, java, binaries.etcd().getParent());
    }

    /** Runs an agent command ({@code snapshot full ...}) to completion; fails on a non-zero exit. */
    Child.Result agent(List<String> args, Map<String, String> env, String log) throws Exception {
        return Child.run(agentCommand(List.of(), args), env, work.resolve("logs/" + log), Duration.ofMinutes(60));
    }

    /** Starts a long-running agent ({@code server ...}) with extra JVM options; the caller stops it. */
    Child startAgent(List<String> jvmOptions, List<String> args, String log) throws IOException {
        return startAgent(jvmOptions, Map.of(), args, log);
    }

    /** As {@link #startAgent(List, List, String)}, with {@code env} added to the agent's environment. */
    Child startAgent(List<String> jvmOptions, Map<String, String> env, List<String> args, String log) throws IOException {
        return Child.start(agentCommand(jvmOptions, args), env, work.resolve("logs/" + log));
    }

    /** The command line that runs the agent's jar with {@code jvmOptions} and {@code args}. */
    List<String> agentCommand(List<String> jvmOptions, List<String> args) {
        List<String> command = new ArrayList<>(List.of(java));
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", agentJar.toString()));
        command.addAll(args);
        return command;
    }

    /** Runs etcd's own {@code tool} (etcdctl, etcdutl) with the v3 API to completion; fails on a non-zero exit. */
    Child.Result etcdTool(Path tool, List<String> args, String log) throws Exception {
        List<String> command = new ArrayList<>(List.of(tool.toString()));
        command.addAll(args);
        return Child.run(command, ETCDCTL_ENV, work.resolve("logs/" + log), Duration.ofMinutes(20));
    }

    /** The number an agent printed as {@code label<digits>} (e.g. {@code bytes=}); fails when absent. */
    static long parseLong(String text, String label) {
        Matcher m = Pattern.compile(Pattern.quote(label) + "(\\d+)").matcher(text);
        if (!m.find()) {
            throw new IllegalStateException("no '" + label + "' in output: " + text);
        }
        return Long.parseLong(m.group(1));
    }

    static double secondsSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    /** Prints the heading of the next step. */
    static void step(String what) {
        System.out.println();
        System.out.println("== " + what);
    }
}
