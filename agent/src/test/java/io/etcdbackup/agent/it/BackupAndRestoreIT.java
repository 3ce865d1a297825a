package io.etcdbackup.agent.it;

import io.etcd.jetcd.Client;
import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.snapshot.catalog.Generation;
import io.etcdbackup.snapshot.testing.EtcdClusterExtension;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.local.LocalStoreProvider;
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

/** The core loop through the real CLI: `server` captures a mixed workload, `restore` rebuilds it. */
class BackupAndRestoreIT {

    @RegisterExtension
    final EtcdClusterExtension etcd = EtcdClusterExtension.members(1);

    @TempDir
    Path dir;

    static long lastRevision(Path storeDir) throws Exception {
        try (ObjectStore store = LocalStoreProvider.at(storeDir)) {
            return new Catalog(store).latest().map(Generation::lastRevision).orElse(0L);
        }
    }

    static void awaitCaptured(Path storeDir, long revision) throws Exception {
        await("revision " + revision + " published", Duration.ofSeconds(60), () -> lastRevision(storeDir), last -> last >= revision);
    }

    /**
     * Compacts the way kube-apiserver does, at a revision its watchers have passed (here: one the
     * agent has captured), never at etcd's head: a watch behind a compaction would rightly start a
     * new generation.
     */
    private static void compactLikeKubernetes(Client source, Path storeDir) throws Exception {
        source.getKVClient().compact(lastRevision(storeDir)).get();
    }

    @Test
    void aMixedWorkloadCapturedByTheServerRestoresToTheSourceKeyspaceAtTheLastCapturedRevision() throws Exception {
        Path storeDir = dir.resolve("store");
        String store = "file://" + storeDir;
        Path bin = etcd.binaries().etcd().getParent();
        Client source = etcd.client();
        new Workload(source, 1).run(100); // history before the first full snapshot

        Path serverLog = dir.resolve("server.log");
        ProcessBuilder builder = AgentProcess.builder(List.of(), "server", "--server-port", "0", "--endpoints", etcd.endpoints(), "--store", store,
                "--delta-period", "200ms", "--full-schedule", "");
        builder.redirectErrorStream(true).redirectOutput(serverLog.toFile());
        Process server = builder.start();
        try {
            awaitCaptured(storeDir, Keyspace.read(source, 0).revision());
            Workload workload = new Workload(source, 2);
            workload.run(600, false);
            compactLikeKubernetes(source, storeDir);
            // A full snapshot while deltas flow: same generation, the chain continues.
            AgentProcess.Result full = AgentProcess.run(bin, "snapshot", "full", "--endpoints", etcd.endpoints(), "--store", store);
            assertThat(full.exitCode()).as(full.stderr()).isZero();
            workload.run(600, false);
            compactLikeKubernetes(source, storeDir);
            Workload.awaitShortLeasesRevoked(source); // its keys are deleted in the source
            long finalRevision = Keyspace.read(source, 0).revision();
            awaitCaptured(storeDir, finalRevision);
        } finally {
            assertThat(AgentProcess.stop(server)).as("exited on SIGTERM").isTrue();
        }
        assertThat(server.exitValue()).as(Files.readString(serverLog)).isZero();

        try (ObjectStore objects = LocalStoreProvider.at(storeDir)) {
            List<Generation> generations = new Catalog(objects).generations();
            assertThat(generations).hasSize(1);
            assertThat(generations.get(0).fulls()).hasSize(2);
            assertThat(generations.get(0).deltas().size()).isGreaterThan(3);
        }

        long captured = lastRevision(storeDir);
        Keyspace expected = Keyspace.read(source, captured);
        assertThat(expected.keys()).hasSizeGreaterThan(100);
        try (RestoredEtcd restored = new RestoredEtcd()) {
            Path dataDir = dir.resolve("restored.etcd");
            List<String> args = new ArrayList<>(List.of("restore", "--store", store, "--data-dir", dataDir.toString()));
            args.addAll(restored.restoreFlags());
            AgentProcess.Result result = AgentProcess.run(bin, args.toArray(String[]::new));
            assertThat(result.exitCode()).as(result.stderr()).isZero();
            assertThat(result.stdout()).contains("revision=" + captured);

            Keyspace actual = Keyspace.read(restored.start(etcd.binaries(), dataDir), 0);
            assertThat(actual.revision()).isEqualTo(captured);
            assertThat(actual.keys()).isEqualTo(expected.keys());
            assertThat(actual.keys().values()).anyMatch(k -> k.lease() != 0);
            assertThat(actual.keys().keySet()).noneMatch(k -> k.startsWith("/registry/leases/short-"));
        }
    }
}
