package io.etcdbackup.snapshot.testing;

import io.etcd.jetcd.Client;
import io.etcdbackup.etcdprocess.DirectoryTrees;
import io.etcdbackup.etcdprocess.EtcdBinaries;
import io.etcdbackup.etcdprocess.testing.TestEtcdBinaries;
import io.etcdbackup.snapshot.etcd.EtcdClients;
import io.etcdbackup.snapshot.etcd.EtcdConnection;
import io.etcdbackup.etcdprocess.EtcdProcess;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Starts real etcd for a test: one member or a cluster, on free loopback ports with temp data
 * dirs, and always tears it down. Register it on a static field to share it across a class, or on
 * an instance field for a fresh cluster per test:
 *
 * <pre>
 *   &#64;RegisterExtension
 *   static final EtcdClusterExtension etcd = EtcdClusterExtension.members(1);
 * </pre>
 */
public final class EtcdClusterExtension implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {

    private final int size;
    private final List<String> extraArgs;
    private final List<EtcdProcess> members = new ArrayList<>();
    private Path workDir;
    private boolean startedForEach;
    private Client client;

    private EtcdClusterExtension(int size, List<String> extraArgs) {
        this.size = size;
        this.extraArgs = List.copyOf(extraArgs);
    }

    /**
     * A cluster of {@code size} members. A single member elects itself at once (10 ms ticks); a
     * multi-member cluster keeps etcd's own timing (100 ms heartbeats, 1 s election timeout), so a
     * slow fsync on a loaded machine does not move the leadership behind a test's back. Timing flags
     * in {@code extraArgs} replace these.
     */
    public static EtcdClusterExtension members(int size, String... extraArgs) {
        return new EtcdClusterExtension(size, List.of(extraArgs));
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        stop();
    }

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        if (members.isEmpty()) {
            startedForEach = true;
            start();
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (startedForEach) {
            startedForEach = false;
            stop();
        }
    }

    /** Starts the cluster (also usable outside JUnit's lifecycle). */
    public synchronized void start() throws IOException {
        EtcdBinaries binaries = TestEtcdBinaries.get();
        workDir = Files.createTempDirectory("etcd-test-");
        List<String> names = new ArrayList<>();
        List<int[]> ports = new ArrayList<>();
        int[] free = EtcdProcess.freePorts(2 * size);
        for (int i = 0; i < size; i++) {
            names.add("m" + i);
            ports.add(new int[] {free[2 * i], free[2 * i + 1]});
        }
        String initialCluster = java.util.stream.IntStream.range(0, size)
                .mapToObj(i -> names.get(i) + "=" + EtcdProcess.peerUrl(ports.get(i)[1]))
                .collect(Collectors.joining(","));
        List<String> args = new ArrayList<>();
        if (extraArgs.stream().noneMatch(a -> a.startsWith("--heartbeat-interval") || a.startsWith("--election-timeout"))) {
            args.addAll(size == 1 ? List.of("--heartbeat-interval=10", "--election-timeout=100")
                    : List.of("--heartbeat-interval=100", "--election-timeout=1000"));
        }
        args.addAll(extraArgs);
        for (int i = 0; i < size; i++) {
            Path dataDir = workDir.resolve(names.get(i) + ".etcd");
            members.add(EtcdProcess.start(new EtcdProcess.Spec(binaries, names.get(i), dataDir, ports.get(i)[0], ports.get(i)[1],
                    initialCluster, "new", "test-cluster", args, workDir.resolve(names.get(i) + ".log"))));
        }
        for (EtcdProcess member : members) {
            member.awaitHealthy(Duration.ofSeconds(60));
        }
    }

    /** Stops every member and deletes the data. */
    public synchronized void stop() {
        if (client != null) {
            client.close();
            client = null;
        }
        for (EtcdProcess member : members) {
            member.kill();
        }
        members.clear();
        if (workDir != null) {
            deleteRecursively(workDir);
            workDir = null;
        }
    }

    public List<EtcdProcess> members() {
        return List.copyOf(members);
    }

    public EtcdProcess member(int index) {
        return members.get(index);
    }

    public List<URI> clientUrls() {
        return members.stream().map(EtcdProcess::clientUrl).toList();
    }

    /** Comma-separated client URLs, the way the CLI takes them. */
    public String endpoints() {
        return clientUrls().stream().map(URI::toString).collect(Collectors.joining(","));
    }

    public EtcdConnection connection() {
        return EtcdConnection.plain(clientUrls());
    }

    public EtcdClients clients() {
        return new EtcdClients(connection());
    }

    /** A shared jetcd client over all members, closed with the cluster. */
    public synchronized Client client() {
        if (client == null) {
            client = clients().newClient();
        }
        return client;
    }

    public EtcdBinaries binaries() {
        return TestEtcdBinaries.get();
    }

    public Path workDir() {
        return workDir;
    }

    private static void deleteRecursively(Path root) {
        try {
            DirectoryTrees.delete(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
