package io.etcdbackup.agent.it;

import io.etcd.jetcd.Client;
import io.etcdbackup.restore.RestorePlanner;
import io.etcdbackup.restore.RestorePoint;
import io.etcdbackup.restore.RestoreTarget;
import io.etcdbackup.restore.Restorer;
import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.snapshot.catalog.Generation;
import io.etcdbackup.snapshot.testing.EtcdClusterExtension;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.local.LocalStoreProvider;
import io.etcdbackup.stores.testing.Await;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;

import static io.etcdbackup.stores.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Point-in-time restore: any retained revision is restored exactly (values, create and mod
 * revisions, versions, leases), by revision or by wall-clock time, including targets inside a
 * delta segment and targets around a full snapshot taken while writes went on.
 */
class PointInTimeRestoreIT {

    @RegisterExtension
    final EtcdClusterExtension etcd = EtcdClusterExtension.members(1);

    @TempDir
    Path dir;

    /**
     * The keyspace without the workload's 2-second-lease keys: a restored lease starts its TTL
     * afresh when etcd starts, so those keys may expire while the comparison reads them.
     */
    static Map<String, Keyspace.KeyState> comparable(Keyspace keyspace) {
        Map<String, Keyspace.KeyState> keys = new TreeMap<>(keyspace.keys());
        keys.keySet().removeIf(k -> k.startsWith("/registry/leases/short-"));
        return keys;
    }

    private static void awaitCaptured(Path storeDir, long revision, Path serverLog) throws Exception {
        try {
            await("revision " + revision + " captured", Duration.ofSeconds(60), () -> BackupAndRestoreIT.lastRevision(storeDir),
                    captured -> captured >= revision);
        } catch (Await.TimedOut timedOut) {
            throw new AssertionError(timedOut.getMessage() + "; server log:\n" + Files.readString(serverLog), timedOut);
        }
    }

    private static long put(Client client, String key) throws Exception {
        return client.getKVClient().put(Workload.bytes(key), Workload.bytes("v")).get().getHeader().getRevision();
    }

    @Test
    void anyRetainedRevisionOrTimeIsRestoredExactly() throws Exception {
        Path storeDir = dir.resolve("store");
        String store = "file://" + storeDir;
        Path bin = etcd.binaries().etcd().getParent();
        Client source = etcd.client();
        new Workload(source, 11).run(100, false);

        Path serverLog = dir.resolve("server.log");
        ProcessBuilder builder = AgentProcess.builder(List.of(), "server", "--server-port", "0", "--endpoints", etcd.endpoints(),
                "--store", store, "--delta-period", "200ms", "--full-schedule", "");
        builder.redirectErrorStream(true).redirectOutput(serverLog.toFile());
        Process server = builder.start();
        Instant pointInTime;
        long revisionAtPoint;
        long lastRevision;
        try {
            awaitCaptured(storeDir, Keyspace.read(source, 0).revision(), serverLog);
            // A full snapshot taken while writes go on: its database may hold more than its recorded revision.
            Thread snapshot = new Thread(() -> {
                try {
                    AgentProcess.Result full = AgentProcess.run(bin, "snapshot", "full", "--endpoints", etcd.endpoints(), "--store", store);
                    assertThat(full.exitCode()).as(full.stderr()).isZero();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            snapshot.start();
            new Workload(source, 12).run(300, false);
            snapshot.join();
            new Workload(source, 13).run(300, false);
            Workload.awaitShortLeasesRevoked(source); // their deletions are revisions too

            // A quiet moment between two batches of writes, for --time.
            for (int i = 0; i < 10; i++) {
                put(source, "/before-the-point/" + i);
            }
            revisionAtPoint = Keyspace.read(source, 0).revision();
            // --time resolves by when the agent received each revision: the point comes after that.
            awaitCaptured(storeDir, revisionAtPoint, serverLog);
            Thread.sleep(300);
            pointInTime = Instant.now();
            Thread.sleep(300);
            for (int i = 0; i < 10; i++) {
                lastRevision = put(source, "/after-the-point/" + i);
            }
            lastRevision = Keyspace.read(source, 0).revision();
            awaitCaptured(storeDir, lastRevision, serverLog);
        } finally {
            assertThat(AgentProcess.stop(server)).as("exited on SIGTERM").isTrue();
        }
        assertThat(server.exitValue()).as(Files.readString(serverLog)).isZero();

        long firstFull;
        try (ObjectStore objects = LocalStoreProvider.at(storeDir)) {
            Generation generation = new Catalog(objects).latest().orElseThrow();
            assertThat(generation.fulls()).hasSize(2);
            firstFull = generation.fulls().get(0).revision();
        }

        // 20 random targets across the retained chain, restored exactly.
        Random random = new Random(42);
        TreeSet<Long> targets = new TreeSet<>();
        while (targets.size() < 20) {
            targets.add(firstFull + (long) (random.nextDouble() * (lastRevision - firstFull + 1)));
        }
        try (ObjectStore objects = LocalStoreProvider.at(storeDir)) {
            RestorePlanner planner = new RestorePlanner(new Catalog(objects));
            Restorer restorer = new Restorer(objects, new Restorer.Settings(etcd.binaries(), dir.resolve("scratch"), 3600, 6));
            for (long target : targets) {
                try (RestoredEtcd restored = new RestoredEtcd()) {
                    Path dataDir = dir.resolve("at-" + target);
                    RestoreTarget into = new RestoreTarget(dataDir, "restored", "restored=" + restored.peerUrl(), restored.peerUrl(),
                            "restored-cluster", false);
                    Restorer.Result result = restorer.restore(planner, new RestorePoint.AtRevision(target), into);
                    assertThat(result.revision()).isEqualTo(target);
                    Keyspace actual = Keyspace.read(restored.start(etcd.binaries(), dataDir), 0);
                    assertThat(actual.revision()).as("restored revision").isEqualTo(target);
                    assertThat(comparable(actual)).as("keyspace at revision %d", target).isEqualTo(comparable(Keyspace.read(source, target)));
                }
            }
        }

        // By time, through the command line: the newest revision at or before the instant.
        try (RestoredEtcd restored = new RestoredEtcd()) {
            Path dataDir = dir.resolve("at-time");
            List<String> args = new ArrayList<>(List.of("restore", "--store", store, "--data-dir", dataDir.toString(),
                    "--time", pointInTime.toString()));
            args.addAll(restored.restoreFlags());
            AgentProcess.Result result = AgentProcess.run(bin, args.toArray(String[]::new));
            assertThat(result.exitCode()).as(result.stderr()).isZero();
            assertThat(result.stdout()).contains("revision=" + revisionAtPoint);
            Keyspace actual = Keyspace.read(restored.start(etcd.binaries(), dataDir), 0);
            assertThat(actual.keys().keySet()).anyMatch(k -> k.startsWith("/before-the-point/"))
                    .noneMatch(k -> k.startsWith("/after-the-point/"));
        }

        // A dry run prints the plan and touches nothing.
        Path untouched = dir.resolve("dry-run");
        AgentProcess.Result plan = AgentProcess.run(bin, "restore", "--store", store, "--data-dir", untouched.toString(),
                "--revision", Long.toString(targets.first()), "--dry-run");
        assertThat(plan.exitCode()).as(plan.stderr()).isZero();
        assertThat(plan.stdout()).contains("target revision: " + targets.first() + " (exact)", "estimated time:", "objects:");
        assertThat(untouched).doesNotExist();

        // A revision nothing retains is refused, naming what is retained.
        AgentProcess.Result missing = AgentProcess.run(bin, "restore", "--store", store, "--data-dir", untouched.toString(),
                "--revision", Long.toString(lastRevision + 1000));
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.stderr()).contains("holds revision " + (lastRevision + 1000), "retained:");
        assertThat(untouched).doesNotExist();
    }
}
