package io.etcdbackup.agent.it;

import io.etcdbackup.snapshot.testing.EtcdClusterExtension;
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
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static io.etcdbackup.stores.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * kill -9 of the sidecar at random moments under load, while it captures deltas, uploads full
 * snapshots asked for over HTTP, merges segments and applies retention (every second, no grace).
 * After each kill: {@code catalog verify} passes and the restarted sidecar publishes past the
 * revision etcd had at the kill (no gap: the final restore fails on any). At the end the latest
 * state restores exactly. Trials: {@code -Deba.kill.trials=N} (default 5, in CI; {@code scripts/bench.sh
 * faults} runs 100). Prints the figures.
 */
class SidecarKillsIT {

    private static final int TRIALS = Integer.getInteger("eba.kill.trials", 5);
    /** Writes per second of an extra paced load of 1 KiB puts ({@code -Deba.kill.rate=2000}); 0 (default): the steady load only. */
    private static final int RATE = Integer.getInteger("eba.kill.rate", 0);

    @RegisterExtension
    final EtcdClusterExtension etcd = EtcdClusterExtension.members(1);

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();

    private Process startServer(String store, int run) throws Exception {
        return AgentProcess.builder(List.of("-Xmx256m"), "server", "--server-port", "0", "--endpoints", etcd.endpoints(),
                        "--store", store, "--delta-period", "300ms", "--full-schedule", "", "--gc-period", "1s", "--gc-max-backups", "3",
                        "--gc-grace", "0s", "--merge-period", "1s", "--min-age", "0s", "--fan-in", "4",
                        // compaction folds the chain whenever 400 events follow the base (every ~10 s of load)
                        "--compaction-events", "400", "--etcd-bin-dir", etcd.binaries().etcd().getParent().toString(),
                        "--scratch-dir", dir.resolve("scratch").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("server-" + run + ".log").toFile()).start();
    }

    @Test
    void killedAtRandomMomentsTheSidecarLeavesAVerifyingCatalogAndContinuesWithoutAGap() throws Exception {
        Path bin = etcd.binaries().etcd().getParent();
        Path storeDir = dir.resolve("store");
        String store = "file://" + storeDir;
        Random random = new Random(Long.getLong("eba.kill.seed", 20261207L));
        List<Long> resumeMillis = new ArrayList<>();
        int duringUpload = 0;
        int duringFullRequest = 0;
        int duringCompaction = 0;
        // 20 MiB of incompressible values: full snapshots that take long enough to be killed mid-upload.
        Workload.putIncompressible(etcd.client(), "/bulk/", 100, 5);
        double achievedRate = 0;
        try (SteadyLoad load = new SteadyLoad(etcd.client(), 41, false);
             PacedLoad paced = RATE > 0 ? new PacedLoad(etcd.client(), RATE, 43) : null) {
            for (int trial = 1; trial <= TRIALS; trial++) {
                long atStart = Keyspace.read(etcd.client(), 0).revision();
                long started = System.nanoTime();
                Process server = startServer(store, trial);
                int port = AgentProcess.awaitHttpPort(dir.resolve("server-" + trial + ".log"), server);
                BackupAndRestoreIT.awaitCaptured(storeDir, atStart); // it resumed past the revision etcd had at the last kill
                resumeMillis.add((System.nanoTime() - started) / 1_000_000);
                if (random.nextInt(3) == 0) {
                    duringFullRequest++;
                    http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/snapshot/full"))
                            .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
                }
                Thread.sleep(random.nextInt(1500)); // the fault's moment: random, by design
                duringUpload += uploading(storeDir) ? 1 : 0;
                duringCompaction += compacting(dir.resolve("scratch")) ? 1 : 0;
                AgentProcess.kill(server);

                AgentProcess.Result verify = AgentProcess.run(bin, "catalog", "verify", "--store", store);
                assertThat(verify.exitCode()).as("trial %d: %s%s", trial, verify.stdout(), verify.stderr()).isZero();
                assertThat(verify.stdout()).contains(" 0 failed");
            }
            if (paced != null) {
                achievedRate = paced.achievedRate();
                paced.stop(); // fails the trial if a put failed
                assertThat(achievedRate).as("the paced load's rate").isGreaterThanOrEqualTo(0.9 * RATE);
            }
        }

        // A last run catches up with everything written, and stops cleanly.
        Workload.awaitShortLeasesRevoked(etcd.client());
        long finalRevision = Keyspace.read(etcd.client(), 0).revision();
        Process last = startServer(store, TRIALS + 1);
        try {
            BackupAndRestoreIT.awaitCaptured(storeDir, finalRevision);
        } finally {
            assertThat(AgentProcess.stop(last)).as("exited on SIGTERM").isTrue();
        }
        assertThat(CliRoundTrip.restoreLatestAndCompare(etcd, store, dir)).isEqualTo(finalRevision);
        try (Stream<Path> left = Files.list(dir.resolve("scratch"))) {
            assertThat(left).as("what killed compactions left is removed when the sidecar starts again").isEmpty();
        }

        List<Long> sorted = new ArrayList<>(resumeMillis);
        Collections.sort(sorted);
        System.out.printf("sidecar kills: %d (%d with a full snapshot asked for, %d with an upload in flight, %d during a compaction; "
                        + "paced load %.0f writes/s); revisions lost 0; "
                        + "catalog verify passed %d times; restart to publishing past the kill: median %d ms, worst %d ms%n",
                TRIALS, duringFullRequest, duringUpload, duringCompaction, achievedRate, TRIALS, sorted.get(sorted.size() / 2), sorted.get(sorted.size() - 1));
    }

    /** Whether a compaction is running: its scratch server's directory ({@code compact-*}) exists. */
    private static boolean compacting(Path scratch) throws Exception {
        if (!Files.isDirectory(scratch)) {
            return false;
        }
        try (Stream<Path> dirs = Files.list(scratch)) {
            return dirs.anyMatch(d -> d.getFileName().toString().startsWith("compact-"));
        }
    }

    /** Whether the local store has an object being written (a temp file in {@code .incoming}). */
    private static boolean uploading(Path storeDir) throws Exception {
        Path incoming = storeDir.resolve(".incoming");
        if (!Files.isDirectory(incoming)) {
            return false;
        }
        try (Stream<Path> files = Files.list(incoming)) {
            return files.findAny().isPresent();
        }
    }
}
