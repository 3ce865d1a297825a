package io.etcdbackup.agent.it;

import io.etcd.jetcd.Client;
import io.etcdbackup.snapshot.catalog.BackupLayout;
import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
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
import java.util.List;
import java.util.TreeSet;

import static io.etcdbackup.stores.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * `merge` through the CLI on segments the sidecar captured: the live tail is left alone by
 * default, a dry run plans and touches nothing, a run merges level by level, `list` shows the
 * levels, `gc` deletes the replaced segments after the grace period, and the latest state
 * restores exactly.
 */
class MergeIT {

    private static final int ROUNDS = 12;

    @RegisterExtension
    final EtcdClusterExtension etcd = EtcdClusterExtension.members(1);

    @TempDir
    Path dir;

    private static Generation generation(Path storeDir) throws Exception {
        try (ObjectStore objects = LocalStoreProvider.at(storeDir)) {
            return new Catalog(objects).latest().orElseThrow();
        }
    }

    @Test
    void mergeReplacesCapturedSegmentsAndTheLatestStateStaysRestorable() throws Exception {
        Path storeDir = dir.resolve("store");
        String store = "file://" + storeDir;
        Path bin = etcd.binaries().etcd().getParent();
        Client source = etcd.client();

        Path serverLog = dir.resolve("server.log");
        ProcessBuilder builder = AgentProcess.builder(List.of(), "server", "--server-port", "0", "--endpoints", etcd.endpoints(),
                "--store", store, "--delta-period", "100ms", "--full-schedule", "", "--gc-period", "0s");
        builder.redirectErrorStream(true).redirectOutput(serverLog.toFile());
        Process server = builder.start();
        long captured = 0;
        try {
            BackupAndRestoreIT.awaitCaptured(storeDir, Keyspace.read(source, 0).revision()); // the first full snapshot
            // Each round is published before the next one starts, so each lands in segments of its own.
            for (int round = 0; round < ROUNDS; round++) {
                for (int i = 0; i < 10; i++) {
                    source.getKVClient().put(Workload.bytes("/merge/" + round + "/" + i), Workload.bytes("v" + i)).get();
                }
                source.getKVClient().put(Workload.bytes("/merge/shared"), Workload.bytes("round " + round)).get();
                captured = source.getKVClient().delete(Workload.bytes("/merge/" + (round / 2) + "/" + round % 10)).get()
                        .getHeader().getRevision();
                BackupAndRestoreIT.awaitCaptured(storeDir, captured);
            }
        } finally {
            assertThat(AgentProcess.stop(server)).as("exited on SIGTERM").isTrue();
        }
        assertThat(server.exitValue()).as(Files.readString(serverLog)).isZero();
        Generation captureOnly = generation(storeDir);
        int before = captureOnly.deltas().size();
        assertThat(before).isGreaterThanOrEqualTo(ROUNDS);

        // By default the newest ten minutes stay as captured.
        AgentProcess.Result young = AgentProcess.run(bin, "merge", "--store", store);
        assertThat(young.exitCode()).as(young.stderr()).isZero();
        assertThat(young.stdout()).contains("merge: 0 merged segments");

        String[] policy = {"--min-age", "0s", "--fan-in", "3", "--max-level", "2"};
        AgentProcess.Result dryRun = AgentProcess.run(bin, concat(new String[] {"merge", "--store", store, "--dry-run"}, policy));
        assertThat(dryRun.exitCode()).as(dryRun.stderr()).isZero();
        long planned = dryRun.stdout().lines().filter(l -> l.startsWith("  would merge 3 segments of generation " + captureOnly.id())).count();
        assertThat(planned).isGreaterThanOrEqualTo(ROUNDS / 3);
        assertThat(dryRun.stdout()).contains("into level 2");
        assertThat(generation(storeDir)).isEqualTo(captureOnly);

        AgentProcess.Result merge = AgentProcess.run(bin, concat(new String[] {"merge", "--store", store}, policy));
        assertThat(merge.exitCode()).as(merge.stderr()).isZero();
        assertThat(merge.stdout()).contains("merge: " + planned + " merged segments", "delta segments " + before + " before");
        Generation merged = generation(storeDir);
        assertThat(merged.deltas().size()).isLessThan(before);
        assertThat(merged.deltas()).anySatisfy(d -> assertThat(d.level()).isEqualTo(2));
        for (int i = 1; i < merged.deltas().size(); i++) {
            assertThat(merged.deltas().get(i).firstRevision()).isEqualTo(merged.deltas().get(i - 1).lastRevision() + 1);
        }
        assertThat(merged.lastRevision()).isEqualTo(captureOnly.lastRevision());
        assertThat(AgentProcess.run(bin, "list", "--store", store).stdout()).contains("merged level 2");

        AgentProcess.Result gc = AgentProcess.run(bin, "gc", "--store", store, "--gc-grace", "0s");
        assertThat(gc.exitCode()).as(gc.stderr()).isZero();
        TreeSet<String> inStore = new TreeSet<>();
        try (ObjectStore objects = LocalStoreProvider.at(storeDir)) {
            objects.list(BackupLayout.generationPrefix(merged.id()) + "delta/").toList().forEach(info -> inStore.add(info.key()));
        }
        assertThat(inStore).containsExactlyElementsOf(merged.deltas().stream().map(DeltaSegmentRef::key).sorted().toList());

        CliRoundTrip.restoreLatestAndCompare(etcd, store, java.util.Map.of(), dir, captured);
    }

    private static String[] concat(String[] first, String[] second) {
        String[] all = java.util.Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, all, first.length, second.length);
        return all;
    }

    @Test
    void theSidecarMergesSegmentsOnItsMergePeriod() throws Exception {
        Path storeDir = dir.resolve("sidecar-store");
        Client source = etcd.client();
        Path serverLog = dir.resolve("sidecar.log");
        ProcessBuilder builder = AgentProcess.builder(List.of(), "server", "--server-port", "0", "--endpoints", etcd.endpoints(),
                "--store", "file://" + storeDir, "--delta-period", "100ms", "--full-schedule", "", "--gc-period", "0s",
                "--merge-period", "1s", "--min-age", "0s", "--fan-in", "4");
        builder.redirectErrorStream(true).redirectOutput(serverLog.toFile());
        Process server = builder.start();
        try {
            // The merged segment is published before the run ends and logs its summary.
            try {
                await("segments merged and the merge logged", Duration.ofSeconds(120), () -> {
                    if (mergedSegments(storeDir) > 0 && Files.readString(serverLog).contains("segments merged merges=")) {
                        return true;
                    }
                    new Workload(source, System.nanoTime()).run(20, false);
                    assertThat(server.isAlive()).as(Files.readString(serverLog)).isTrue();
                    return false;
                });
            } catch (Await.TimedOut timedOut) {
                throw new AssertionError(timedOut.getMessage() + ": " + Files.readString(serverLog), timedOut);
            }
        } finally {
            assertThat(AgentProcess.stop(server)).as("exited on SIGTERM").isTrue();
        }
        assertThat(server.exitValue()).as(Files.readString(serverLog)).isZero();
    }

    private static long mergedSegments(Path storeDir) throws Exception {
        if (!Files.exists(storeDir)) {
            return 0;
        }
        try (ObjectStore objects = LocalStoreProvider.at(storeDir)) {
            return new Catalog(objects).latest().map(g -> g.deltas().stream().filter(d -> d.level() > 0).count()).orElse(0L);
        }
    }
}
