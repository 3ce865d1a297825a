package io.etcdbackup.agent.it;

import io.etcd.jetcd.Client;
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
import java.util.ArrayList;
import java.util.List;

import static io.etcdbackup.stores.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Compaction folds a long chain into a new base: afterwards a restore of the latest state reads
 * one full snapshot and equals the source, and a point before the compaction still restores
 * exactly from the older base and segments.
 */
class CompactionIT {

    @RegisterExtension
    final EtcdClusterExtension etcd = EtcdClusterExtension.members(1);

    @TempDir
    Path dir;

    private AgentProcess.Result run(String... args) throws Exception {
        return AgentProcess.run(etcd.binaries().etcd().getParent(), args);
    }

    private Keyspace restore(String store, String... extra) throws Exception {
        try (RestoredEtcd restored = new RestoredEtcd()) {
            Path dataDir = dir.resolve("restored-" + System.nanoTime());
            List<String> args = new ArrayList<>(List.of("restore", "--store", store, "--data-dir", dataDir.toString()));
            args.addAll(List.of(extra));
            args.addAll(restored.restoreFlags());
            AgentProcess.Result result = run(args.toArray(String[]::new));
            assertThat(result.exitCode()).as(result.stderr()).isZero();
            return Keyspace.read(restored.start(etcd.binaries(), dataDir), 0);
        }
    }

    @Test
    void afterCompactionTheLatestStateIsOneFullSnapshotAndEarlierPointsStillRestore() throws Exception {
        Path storeDir = dir.resolve("store");
        String store = "file://" + storeDir;
        Client source = etcd.client();
        new Workload(source, 21).run(50, false);

        Path serverLog = dir.resolve("server.log");
        ProcessBuilder builder = AgentProcess.builder(List.of(), "server", "--server-port", "0", "--endpoints", etcd.endpoints(),
                "--store", store, "--delta-period", "100ms", "--full-schedule", "", "--gc-period", "0s");
        builder.redirectErrorStream(true).redirectOutput(serverLog.toFile());
        Process server = builder.start();
        long beforeCompaction;
        long last;
        try {
            BackupAndRestoreIT.awaitCaptured(storeDir, Keyspace.read(source, 0).revision());
            new Workload(source, 22).run(400, false);
            beforeCompaction = Keyspace.read(source, 0).revision();
            new Workload(source, 23).run(400, false);
            Workload.awaitShortLeasesRevoked(source); // their deletions are revisions too
            last = Keyspace.read(source, 0).revision();
            BackupAndRestoreIT.awaitCaptured(storeDir, last);
        } finally {
            assertThat(AgentProcess.stop(server)).as("exited on SIGTERM").isTrue();
        }
        assertThat(server.exitValue()).as(Files.readString(serverLog)).isZero();
        int segmentsBefore;
        try (ObjectStore objects = LocalStoreProvider.at(storeDir)) {
            Generation generation = new Catalog(objects).latest().orElseThrow();
            segmentsBefore = generation.deltas().size();
            assertThat(generation.fulls()).hasSize(1);
        }
        assertThat(segmentsBefore).as("a long chain of segments").isGreaterThan(5);

        AgentProcess.Result compact = run("compact", "--store", store);
        assertThat(compact.exitCode()).as(compact.stderr()).isZero();
        assertThat(compact.stdout()).contains("compacted ", "revision=" + last, "deltas_folded=");

        // The latest state is now one object.
        AgentProcess.Result plan = run("restore", "--store", store, "--data-dir", dir.resolve("unused").toString(), "--dry-run");
        assertThat(plan.exitCode()).as(plan.stderr()).isZero();
        assertThat(plan.stdout()).contains("delta segments:  0", "objects:         1,", "target revision: " + last);
        Keyspace latest = restore(store);
        assertThat(latest.revision()).isEqualTo(last);
        assertThat(latest.keys()).isEqualTo(Keyspace.read(source, last).keys());

        // A point before the compaction restores exactly from the older base and its segments.
        Keyspace earlier = restore(store, "--revision", Long.toString(beforeCompaction));
        assertThat(earlier.revision()).isEqualTo(beforeCompaction);
        assertThat(PointInTimeRestoreIT.comparable(earlier)).isEqualTo(PointInTimeRestoreIT.comparable(Keyspace.read(source, beforeCompaction)));

        // Compacting again finds nothing to fold.
        AgentProcess.Result again = run("compact", "--store", store);
        assertThat(again.exitCode()).as(again.stderr()).isZero();
        assertThat(again.stdout()).contains("nothing to compact");
    }

    @Test
    void theSidecarCompactsByItselfWhenTheChainPassesAThresholdWhileCaptureGoesOn() throws Exception {
        Path storeDir = dir.resolve("store");
        String store = "file://" + storeDir;
        Client source = etcd.client();
        Path serverLog = dir.resolve("server.log");
        ProcessBuilder builder = AgentProcess.builder(List.of(), "server", "--server-port", "0", "--endpoints", etcd.endpoints(),
                "--store", store, "--delta-period", "100ms", "--full-schedule", "", "--gc-period", "0s",
                "--compaction-events", "500", "--etcd-bin-dir", etcd.binaries().etcd().getParent().toString(),
                "--scratch-dir", dir.resolve("scratch").toString());
        builder.redirectErrorStream(true).redirectOutput(serverLog.toFile());
        Process server = builder.start();
        long last;
        try {
            BackupAndRestoreIT.awaitCaptured(storeDir, Keyspace.read(source, 0).revision());
            new Workload(source, 31).run(600, false);
            try {
                await("compacted into a second full snapshot", Duration.ofSeconds(120), () -> {
                    if (fullSnapshots(storeDir) >= 2) {
                        return true;
                    }
                    assertThat(server.isAlive()).as(Files.readString(serverLog)).isTrue();
                    return false;
                });
            } catch (Await.TimedOut timedOut) {
                throw new AssertionError(timedOut.getMessage() + ": " + Files.readString(serverLog), timedOut);
            }
            assertThat(Files.readString(serverLog)).contains("compaction triggered: ", "delta events since the base (threshold 500)");
            new Workload(source, 32).run(100, false);
            Workload.awaitShortLeasesRevoked(source);
            last = Keyspace.read(source, 0).revision();
            BackupAndRestoreIT.awaitCaptured(storeDir, last);
        } finally {
            assertThat(AgentProcess.stop(server)).as("exited on SIGTERM").isTrue();
        }
        assertThat(server.exitValue()).as(Files.readString(serverLog)).isZero();
        Keyspace restored = restore(store);
        assertThat(restored.revision()).isEqualTo(last);
        assertThat(restored.keys()).isEqualTo(Keyspace.read(source, last).keys());
    }

    private static int fullSnapshots(Path storeDir) throws Exception {
        try (ObjectStore objects = LocalStoreProvider.at(storeDir)) {
            return new Catalog(objects).latest().map(g -> g.fulls().size()).orElse(0);
        }
    }
}
