package io.etcdbackup.agent.it;

import io.etcd.jetcd.Client;
import io.etcdbackup.etcdprocess.testing.MemoryCgroup;
import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.snapshot.catalog.Generation;
import io.etcdbackup.snapshot.etcd.MemberStatus;
import io.etcdbackup.snapshot.testing.EtcdClusterExtension;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.local.LocalStoreProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import static io.etcdbackup.stores.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The sidecar in a memory cgroup, as a container under its limit, run with the JVM flags the image
 * ships (the Dockerfile's JAVA_TOOL_OPTIONS): it takes a full snapshot of a 256 MiB database
 * while it captures 2,000 writes per second with a 1 s delta period, and the kernel kills
 * nothing. {@link #LIMIT_BYTES} is the smallest limit the README promises (see its "Memory"
 * figures for why not druid's 128 MiB). Skipped where no memory cgroup can be created (not root, no controller).
 */
class SidecarMemoryCgroupIT {

    /** The container memory limit under test: 256 MiB, or {@code -Deba.sidecar.limit.mib}. */
    static final long LIMIT_BYTES = Long.getLong("eba.sidecar.limit.mib", 256) * 1024 * 1024;
    private static final long DB_BYTES = 256L * 1024 * 1024;

    @RegisterExtension
    final EtcdClusterExtension etcd = EtcdClusterExtension.members(1, "--quota-backend-bytes=4294967296");

    @TempDir
    Path dir;

    @Test
    void underTheMemoryLimitTheSidecarSnapshotsA256MibDatabaseWhileCapturing2000WritesPerSecond() throws Exception {
        Optional<MemoryCgroup> group = MemoryCgroup.create("eba-sidecar-it-" + ProcessHandle.current().pid(), LIMIT_BYTES);
        assumeTrue(group.isPresent(), "no memory cgroup can be created here (needs root and a writable cgroup file system)");
        Client client = etcd.client();
        for (int batch = 0; MemberStatus.read(client, etcd.clientUrls().get(0)).dbSize() < DB_BYTES; batch++) {
            Workload.putIncompressible(client, "/big/" + batch + "/", 64, 11 + batch);
        }
        String imageFlags = ImageIT.Dockerfile.javaToolOptions();
        assertThat(imageFlags).as("the image's JAVA_TOOL_OPTIONS").contains("MaxRAMPercentage");

        Path storeDir = dir.resolve("store");
        Path log = dir.resolve("server.log");
        try (MemoryCgroup cgroup = group.get()) {
            ProcessBuilder builder = new ProcessBuilder(cgroup.wrap(AgentProcess.builder(List.of(), "server", "--server-port", "0",
                    "--endpoints", etcd.endpoints(), "--store", "file://" + storeDir, "--delta-period", "1s", "--full-schedule", "").command()));
            builder.environment().put("JAVA_TOOL_OPTIONS", imageFlags);
            Process server = builder.redirectErrorStream(true).redirectOutput(log.toFile()).start();
            long acknowledged;
            double rate;
            double snapshotSeconds;
            try {
                int port = AgentProcess.awaitHttpPort(log, server);
                await("the full snapshot the server takes on start", Duration.ofMinutes(3),
                        () -> latestWhileAlive(storeDir, server, log), chain -> chain.isPresent() && !chain.get().fulls().isEmpty());
                try (PacedLoad load = new PacedLoad(client, 2000, 5)) {
                    await("deltas flowing", Duration.ofSeconds(60), () -> latestWhileAlive(storeDir, server, log),
                            chain -> chain.isPresent() && !chain.get().deltas().isEmpty());
                    long start = System.nanoTime();
                    HttpResponse<String> full = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + port + "/snapshot/full")).POST(HttpRequest.BodyPublishers.noBody())
                            .timeout(Duration.ofMinutes(5)).build(), HttpResponse.BodyHandlers.ofString());
                    snapshotSeconds = (System.nanoTime() - start) / 1e9;
                    assertThat(full.statusCode()).as(full.body()).isEqualTo(200);
                    // Deltas go on after the full snapshot, for 30,000 writes in all (15 s at the rate).
                    await("30,000 writes acknowledged", Duration.ofSeconds(60), load::acknowledged, n -> n >= 30_000);
                    rate = load.achievedRate();
                    acknowledged = load.stop();
                }
                await("every acknowledged write durable in the store", Duration.ofSeconds(60), () -> latestWhileAlive(storeDir, server, log),
                        chain -> chain.isPresent() && chain.get().lastRevision() >= acknowledged);
                assertThat(server.isAlive()).as("server alive: %s", Files.readString(log)).isTrue();
            } finally {
                assertThat(AgentProcess.stop(server)).as("exited on SIGTERM").isTrue();
            }
            assertThat(cgroup.oomKills()).as("processes the kernel killed for want of memory").isZero();
            assertThat(server.exitValue()).as(Files.readString(log)).isZero();
            assertThat(Files.readString(log)).doesNotContain("java.lang.OutOfMemoryError");
            System.out.printf(Locale.ROOT, "sidecar in a %d MiB memory cgroup: full snapshot of %d MiB under %.0f writes/s took %.1f s;"
                            + " group peak %s MiB (page cache included); no OOM kill%n", LIMIT_BYTES >> 20, DB_BYTES >> 20, rate, snapshotSeconds,
                    cgroup.peakBytes().map(b -> Long.toString(b >> 20)).orElse("?"));
            assertThat(rate).as("writes per second achieved").isGreaterThan(1500);
            assertThat(CliRoundTrip.restoreLatestAndCompare(etcd, "file://" + storeDir, dir)).isGreaterThanOrEqualTo(acknowledged);
        }
    }

    /** The newest generation in the store; fails at once, with the server's log, when the server died (e.g. killed by the kernel). */
    private static Optional<Generation> latestWhileAlive(Path storeDir, Process server, Path log) throws Exception {
        assertThat(server.isAlive()).as("server alive (killed for want of memory?): %s", Files.readString(log)).isTrue();
        return latest(storeDir);
    }

    private static Optional<Generation> latest(Path storeDir) throws Exception {
        if (!Files.isDirectory(storeDir)) {
            return Optional.empty();
        }
        try (ObjectStore store = LocalStoreProvider.at(storeDir)) {
            return new Catalog(store).latest();
        }
    }
}
