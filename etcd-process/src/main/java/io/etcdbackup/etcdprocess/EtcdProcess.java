package io.etcdbackup.etcdprocess;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * One etcd server run as a child process on loopback. The agent uses it for scratch servers
 * (replaying deltas, compaction); the tests use it for the clusters they back up. etcd cannot be
 * embedded in a JVM, hence a process.
 */
public final class EtcdProcess implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EtcdProcess.class);

    /**
     * What to start.
     *
     * @param binaries            the executables
     * @param name                member name
     * @param dataDir             data directory (created by etcd if missing)
     * @param clientPort          loopback client port
     * @param peerPort            loopback peer port
     * @param initialCluster      {@code name=peerURL,...}; for a single member, its own entry
     * @param initialClusterState {@code new} or {@code existing}
     * @param clusterToken        initial cluster token
     * @param extraArgs           further flags, e.g. {@code --max-txn-ops=100000}
     * @param logFile             where stdout and stderr go
     * @param environment         variables set for the process, e.g. {@code GOMAXPROCS}
     */
    public record Spec(EtcdBinaries binaries, String name, Path dataDir, int clientPort, int peerPort,
                       String initialCluster, String initialClusterState, String clusterToken,
                       List<String> extraArgs, Path logFile, Map<String, String> environment) {
        public Spec {
            Objects.requireNonNull(binaries);
            Objects.requireNonNull(name);
            Objects.requireNonNull(dataDir);
            extraArgs = List.copyOf(extraArgs);
            environment = Map.copyOf(environment);
        }

        /** A spec that sets no variables of its own. */
        public Spec(EtcdBinaries binaries, String name, Path dataDir, int clientPort, int peerPort,
                    String initialCluster, String initialClusterState, String clusterToken,
                    List<String> extraArgs, Path logFile) {
            this(binaries, name, dataDir, clientPort, peerPort, initialCluster, initialClusterState, clusterToken, extraArgs,
                    logFile, Map.of());
        }

        /** This spec with {@code variables} set for the process. */
        public Spec withEnvironment(Map<String, String> variables) {
            return new Spec(binaries, name, dataDir, clientPort, peerPort, initialCluster, initialClusterState, clusterToken,
                    extraArgs, logFile, variables);
        }

        /** A single-member cluster on two free loopback ports, logging next to the data dir. */
        public static Spec singleMember(EtcdBinaries binaries, String name, Path dataDir, List<String> extraArgs) {
            int[] ports = freePorts(2);
            return singleMember(binaries, name, dataDir, extraArgs, ports[0], ports[1]);
        }

        /** A single-member cluster on the given loopback ports, logging next to the data dir. */
        public static Spec singleMember(EtcdBinaries binaries, String name, Path dataDir, List<String> extraArgs,
                                        int clientPort, int peerPort) {
            return new Spec(binaries, name, dataDir, clientPort, peerPort,
                    name + "=" + peerUrl(peerPort), "new", "etcd-backup-scratch", extraArgs,
                    dataDir.resolveSibling(dataDir.getFileName() + ".log"));
        }

        public URI clientUrl() {
            return URI.create("http://127.0.0.1:" + clientPort);
        }
    }

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final Spec spec;
    private final Process process;

    private EtcdProcess(Spec spec, Process process) {
        this.spec = spec;
        this.process = process;
    }

    /** Work done with the chosen spec before its server starts, e.g. restoring a snapshot into its data dir. */
    @FunctionalInterface
    public interface Preparation {
        void prepare(Spec spec) throws IOException;
    }

    /** How often {@link #startSingleMember} tries other ports when one was taken. */
    static final int SINGLE_MEMBER_ATTEMPTS = 3;

    /**
     * Starts a single-member server on free loopback ports, {@code prepare}d first, and waits until
     * it is healthy. The ports are free when chosen but bound only after {@code prepare} ran
     * (seconds, for a large snapshot), so another process may take one meanwhile; then the data dir
     * and log are deleted and the member is prepared and started again on other ports, up to
     * {@value #SINGLE_MEMBER_ATTEMPTS} times.
     *
     * @throws IOException from {@code prepare}, or from the last start (naming the log)
     */
    public static EtcdProcess startSingleMember(EtcdBinaries binaries, String name, Path dataDir, List<String> extraArgs,
                                                Duration healthyWithin, Preparation prepare) throws IOException {
        return startSingleMember(binaries, name, dataDir, extraArgs, Map.of(), healthyWithin, prepare);
    }

    /** As above, with {@code environment} set for the process. */
    public static EtcdProcess startSingleMember(EtcdBinaries binaries, String name, Path dataDir, List<String> extraArgs,
                                                Map<String, String> environment, Duration healthyWithin,
                                                Preparation prepare) throws IOException {
        return startSingleMember(binaries, name, dataDir, extraArgs, environment, healthyWithin, prepare, () -> freePorts(2));
    }

    /** As above, with the ports (client, peer) of each attempt from {@code ports}. */
    static EtcdProcess startSingleMember(EtcdBinaries binaries, String name, Path dataDir, List<String> extraArgs,
                                         Map<String, String> environment, Duration healthyWithin, Preparation prepare,
                                         Supplier<int[]> ports) throws IOException {
        for (int attempt = 1; ; attempt++) {
            int[] chosen = ports.get();
            Spec spec = Spec.singleMember(binaries, name, dataDir, extraArgs, chosen[0], chosen[1]).withEnvironment(environment);
            prepare.prepare(spec);
            try {
                return start(spec).awaitHealthy(healthyWithin);
            } catch (IOException e) {
                if (attempt == SINGLE_MEMBER_ATTEMPTS || !logSaysAPortWasTaken(spec)) {
                    throw e;
                }
                LOG.warn("etcd found a port taken, starting again on other ports name={} client_port={} peer_port={} attempt={} attempts={}",
                        name, chosen[0], chosen[1], attempt + 1, SINGLE_MEMBER_ATTEMPTS, e);
                DirectoryTrees.delete(dataDir);
                Files.deleteIfExists(spec.logFile());
            }
        }
    }

    private static boolean logSaysAPortWasTaken(Spec spec) {
        try {
            return Files.readString(spec.logFile(), StandardCharsets.UTF_8).contains("address already in use");
        } catch (IOException noLog) {
            return false;
        }
    }

    /** Starts the server; use {@link #awaitHealthy(Duration)} before talking to it. */
    public static EtcdProcess start(Spec spec) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                spec.binaries().etcd().toString(),
                "--name=" + spec.name(),
                "--data-dir=" + spec.dataDir(),
                "--listen-client-urls=" + spec.clientUrl(),
                "--advertise-client-urls=" + spec.clientUrl(),
                "--listen-peer-urls=" + peerUrl(spec.peerPort()),
                "--initial-advertise-peer-urls=" + peerUrl(spec.peerPort()),
                "--initial-cluster=" + spec.initialCluster(),
                "--initial-cluster-state=" + spec.initialClusterState(),
                "--initial-cluster-token=" + spec.clusterToken(),
                "--logger=zap",
                "--log-outputs=stderr"));
        command.addAll(spec.extraArgs());
        Files.createDirectories(spec.logFile().toAbsolutePath().getParent());
        ProcessBuilder builder = new ProcessBuilder(command);
        // etcd reads every ETCD_* variable as a flag (ETCD_VERSION=3.4 is --version=3.4): the
        // flags above must be all it is told, whatever the agent's own environment holds.
        builder.environment().keySet().removeIf(name -> name.startsWith("ETCD_"));
        builder.environment().putAll(spec.environment());
        Process process = builder
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(spec.logFile().toFile()))
                .start();
        return new EtcdProcess(spec, process);
    }

    /**
     * Waits until the member reports healthy (it has a leader and answers reads). When it throws,
     * the process is gone: a member that never became healthy is killed, so a caller holding no
     * reference to it (a failed try-with-resources initialiser) cannot leak it.
     *
     * @throws IOException naming the log file when the process exits or the time runs out
     */
    public EtcdProcess awaitHealthy(Duration timeout) throws IOException {
        try {
            return pollHealth(timeout);
        } catch (IOException | RuntimeException e) {
            boolean interrupted = Thread.interrupted(); // kill() waits for the exit
            kill();
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            throw e;
        }
    }

    private EtcdProcess pollHealth(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        URI health = URI.create(spec.clientUrl() + "/health");
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("etcd '" + spec.name() + "' exited with code " + process.exitValue()
                        + " during start-up; last log lines:\n" + tailOfLog());
            }
            try {
                HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(health).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200 && response.body().contains("\"health\":\"true\"")) {
                    return this;
                }
            } catch (IOException notYet) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for etcd", e);
            }
            sleep(20);
        }
        throw new IOException("etcd '" + spec.name() + "' not healthy after " + timeout + "; last log lines:\n" + tailOfLog());
    }

    public Spec spec() {
        return spec;
    }

    public URI clientUrl() {
        return spec.clientUrl();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    /**
     * How many WAL fsyncs the server has made since it started ({@code
     * etcd_disk_wal_fsync_duration_seconds_count}; stays 0 under {@code --unsafe-no-fsync}), or
     * -1 when its metrics cannot be read.
     */
    public long walFsyncCount() {
        try {
            HttpResponse<String> metrics = HTTP.send(HttpRequest.newBuilder(URI.create(spec.clientUrl() + "/metrics"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            for (String line : metrics.body().split("\n")) {
                if (line.startsWith(WAL_FSYNC_COUNT + " ")) {
                    return (long) Double.parseDouble(line.substring(WAL_FSYNC_COUNT.length() + 1).strip());
                }
            }
            LOG.warn("metric missing from etcd metric={} name={}", WAL_FSYNC_COUNT, spec.name());
            return -1;
        } catch (IOException | RuntimeException e) {
            LOG.warn("cannot read the metrics of etcd name={}", spec.name(), e);
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static final String WAL_FSYNC_COUNT = "etcd_disk_wal_fsync_duration_seconds_count";

    /** Stops gracefully (SIGTERM), forcing after 15 s. */
    public void stop() {
        process.destroy();
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            // Interrupted (a task being cancelled): still wait, briefly, for the process to be gone, so that
            // whoever removes its directory next does not race it.
            killAndAwait(process);
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Kills {@code process} (SIGKILL) and waits up to 10 s for it to be gone, even if the calling
     * thread is interrupted (a cancelled task): whoever removes its files next must not race it.
     * The caller restores the interrupt.
     */
    public static void killAndAwait(Process process) {
        process.destroyForcibly();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (process.isAlive() && System.nanoTime() < deadline) {
            try {
                process.waitFor(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            } catch (InterruptedException again) {
                // keep waiting: the interrupt is restored by the caller
            }
        }
    }

    /** Kills at once (SIGKILL), as a crash would. */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop();
    }

    /** The last lines of the server's log, for error messages. */
    public String tailOfLog() {
        try {
            List<String> lines = Files.readAllLines(spec.logFile(), StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        } catch (IOException e) {
            return "(no log at " + spec.logFile() + ")";
        }
    }

    /** A loopback peer URL. */
    public static String peerUrl(int port) {
        return "http://127.0.0.1:" + port;
    }

    /** A currently free loopback TCP port; for several, use {@link #freePorts(int)}. */
    public static int freePort() {
        return freePorts(1)[0];
    }

    /**
     * {@code count} distinct, currently free loopback TCP ports. All are held open until all are
     * chosen: asking for one port at a time can return the same port twice, as the kernel may hand
     * out a port again as soon as it was released.
     */
    public static int[] freePorts(int count) {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
                sockets.add(socket);
                ports[i] = socket.getLocalPort();
            }
            return ports;
        } catch (IOException e) {
            throw new IllegalStateException("no " + count + " free loopback ports", e);
        } finally {
            for (ServerSocket socket : sockets) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // closing a listening socket that accepted nothing does not fail in practice
                }
            }
        }
    }

    private static void sleep(long millis) throws IOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for etcd", e);
        }
    }
}
