package io.etcdbackup.agent.it;

import io.etcdbackup.restore.SnapshotExclusions;
import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.snapshot.catalog.FullSnapshotRef;
import io.etcdbackup.snapshot.testing.EtcdClusterExtension;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.local.ImmutableFiles;
import io.etcdbackup.stores.local.LocalStoreProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A locked store through the CLI, with real locks and labels on the local store: a full snapshot
 * labelled {@code x-etcd-snapshot-exclude=true} is left out of the restore, which still comes out
 * exact from the one before it and the deltas; then retention beside an immutable file deletes
 * everything else it should, reports the locked object, and leaves the catalog readable.
 */
class ImmutableStoreIT {

    @RegisterExtension
    final EtcdClusterExtension etcd = EtcdClusterExtension.members(1);

    @TempDir
    Path dir;

    @Test
    void anExcludedSnapshotIsSkippedAndRetentionGoesOnBesideALockedOne() throws Exception {
        Path storeDir = dir.resolve("store");
        assumeTrue(ImmutableFiles.supportedIn(dir), "chattr +i needs root and ext4/xfs/btrfs");
        String store = "file://" + storeDir;
        Path bin = etcd.binaries().etcd().getParent();
        // The sidecar captures (deltas every 200 ms); two more full snapshots on request.
        Path serverLog = dir.resolve("server.log");
        Process server = AgentProcess.builder(List.of(), "server", "--server-port", "0", "--endpoints", etcd.endpoints(), "--store", store,
                "--delta-period", "200ms", "--gc-period", "0s", "--full-schedule", "")
                .redirectErrorStream(true).redirectOutput(serverLog.toFile()).start();
        long captured;
        try {
            int port = AgentProcess.awaitHttpPort(serverLog, server);
            HttpClient http = HttpClient.newHttpClient();
            for (int round = 0; round < 3; round++) {
                new Workload(etcd.client(), 80 + round).run(60, false);
                if (round < 2) {
                    BackupAndRestoreIT.awaitCaptured(storeDir, Keyspace.read(etcd.client(), 0).revision()); // it leads and captures
                    HttpResponse<String> full = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/snapshot/full"))
                            .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
                    assertThat(full.statusCode()).as(full.body()).isEqualTo(200);
                }
            }
            captured = Keyspace.read(etcd.client(), 0).revision();
            BackupAndRestoreIT.awaitCaptured(storeDir, captured);
        } finally {
            assertThat(AgentProcess.stop(server)).as("exited on SIGTERM").isTrue();
        }
        List<FullSnapshotRef> fulls;
        try (ObjectStore objects = LocalStoreProvider.at(storeDir)) {
            fulls = new Catalog(objects).generations().get(0).fulls();
        }
        assertThat(fulls).hasSize(3);

        // The newest full snapshot is labelled as the operator would with setfattr.
        String newest = fulls.get(2).key();
        Files.getFileAttributeView(storeDir.resolve(newest), UserDefinedFileAttributeView.class)
                .write(SnapshotExclusions.LABEL, ByteBuffer.wrap("true".getBytes(StandardCharsets.UTF_8)));
        AgentProcess.Result listed = AgentProcess.run(bin, "list", "--store", store);
        assertThat(listed.stdout()).contains(newest + "  [excluded from restores: x-etcd-snapshot-exclude=true]")
                .doesNotContain(fulls.get(1).key() + "  [excluded");
        AgentProcess.Result plan = AgentProcess.run(bin, "restore", "--store", store, "--data-dir", dir.resolve("plan").toString(), "--dry-run");
        assertThat(plan.stdout()).as(plan.stderr()).contains(fulls.get(1).key()).doesNotContain(newest);
        CliRoundTrip.restoreLatestAndCompare(etcd, store, java.util.Map.of(), dir, captured);

        // The oldest full snapshot is locked: retention keeping one full snapshot deletes the rest and reports it.
        Path locked = storeDir.resolve(fulls.get(0).key());
        ImmutableFiles.lock(locked);
        try {
            AgentProcess.Result gc = AgentProcess.run(bin, "gc", "--store", store, "--gc-max-backups", "1", "--gc-grace", "0s");
            assertThat(gc.exitCode()).as(gc.stderr()).isZero();
            assertThat(gc.stdout()).contains("1 locked by the store");
            assertThat(Files.exists(locked)).isTrue();
            assertThat(Files.exists(storeDir.resolve(fulls.get(1).key()))).isFalse();
            AgentProcess.Result after = AgentProcess.run(bin, "list", "--store", store);
            assertThat(after.exitCode()).as(after.stderr()).isZero();
            assertThat(after.stdout()).contains("1 objects out of the catalog wait for the store's lock").doesNotContain(fulls.get(0).key());
            AgentProcess.Result again = AgentProcess.run(bin, "gc", "--store", store, "--gc-max-backups", "1", "--gc-grace", "0s");
            assertThat(again.exitCode()).as("a locked object never fails a run: " + again.stderr()).isZero();
        } finally {
            ImmutableFiles.unlock(locked);
        }
    }
}
