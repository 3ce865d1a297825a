package io.etcdbackup.agent.it;

import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.snapshot.catalog.FullSnapshotRef;
import io.etcdbackup.snapshot.catalog.Generation;
import io.etcdbackup.snapshot.testing.EtcdClusterExtension;
import io.etcdbackup.stores.NoSuchObjectException;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.local.LocalStoreProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** `gc` through the CLI: dry run, the list preview, then the real run; the latest state stays restorable. */
class RetentionIT {

    @RegisterExtension
    final EtcdClusterExtension etcd = EtcdClusterExtension.members(1);

    @TempDir
    Path dir;

    @Test
    void gcKeepsTheNewestFullSnapshotsAndTheLatestStateStaysRestorable() throws Exception {
        Path storeDir = dir.resolve("store");
        String store = "file://" + storeDir;
        Path bin = etcd.binaries().etcd().getParent();
        AgentProcess.Result lastDelta = null;
        for (int round = 0; round < 4; round++) {
            new Workload(etcd.client(), 60 + round).run(60, false);
            assertThat(AgentProcess.run(bin, "snapshot", "full", "--endpoints", etcd.endpoints(), "--store", store).exitCode()).isZero();
            new Workload(etcd.client(), 70 + round).run(60, false);
            lastDelta = AgentProcess.run(bin, "snapshot", "delta", "--endpoints", etcd.endpoints(), "--store", store);
            assertThat(lastDelta.exitCode()).as(lastDelta.stderr()).isZero();
        }
        // Compare at the revision the last delta captured: a short lease may expire after it.
        java.util.regex.Matcher up = java.util.regex.Pattern.compile("up to revision (\\d+)").matcher(lastDelta.stdout());
        assertThat(up.find()).as(lastDelta.stdout()).isTrue();
        long captured = Long.parseLong(up.group(1));
        List<FullSnapshotRef> fulls;
        try (ObjectStore objects = LocalStoreProvider.at(storeDir)) {
            fulls = new Catalog(objects).generations().get(0).fulls();
        }
        assertThat(fulls).hasSize(4);

        AgentProcess.Result dryRun = AgentProcess.run(bin, "gc", "--store", store, "--gc-max-backups", "2", "--dry-run");
        assertThat(dryRun.exitCode()).as(dryRun.stderr()).isZero();
        assertThat(dryRun.stdout()).contains("would delete " + fulls.get(0).key()).contains("would delete " + fulls.get(1).key())
                .doesNotContain("would delete " + fulls.get(2).key());
        AgentProcess.Result preview = AgentProcess.run(bin, "list", "--store", store, "--retention", "--gc-max-backups", "2");
        assertThat(preview.stdout()).contains(fulls.get(0).key() + "  [retention would delete");

        AgentProcess.Result gc = AgentProcess.run(bin, "gc", "--store", store, "--gc-max-backups", "2", "--gc-grace", "0s");
        assertThat(gc.exitCode()).as(gc.stderr()).isZero();
        try (ObjectStore objects = LocalStoreProvider.at(storeDir)) {
            Generation generation = new Catalog(objects).generations().get(0);
            assertThat(generation.fulls()).extracting(FullSnapshotRef::key).containsExactly(fulls.get(2).key(), fulls.get(3).key());
            assertThatThrownBy(() -> objects.stat(fulls.get(0).key())).isInstanceOf(NoSuchObjectException.class);
        }
        AgentProcess.Result bad = AgentProcess.run(bin, "gc", "--store", store, "--gc-policy", "Weekly");
        assertThat(bad.exitCode()).as("a bad option value is bad usage").isEqualTo(2);
        assertThat(bad.stderr()).contains("--gc-policy = 'Weekly'");

        try (RestoredEtcd restored = new RestoredEtcd()) {
            Path dataDir = dir.resolve("restored.etcd");
            List<String> args = new ArrayList<>(List.of("restore", "--store", store, "--data-dir", dataDir.toString()));
            args.addAll(restored.restoreFlags());
            AgentProcess.Result result = AgentProcess.run(bin, args.toArray(String[]::new));
            assertThat(result.exitCode()).as(result.stderr()).isZero();
            assertThat(Keyspace.read(restored.start(etcd.binaries(), dataDir), 0).keys()).isEqualTo(Keyspace.read(etcd.client(), captured).keys());
        }
    }
}
