package io.etcdbackup.agent.it;

import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.snapshot.catalog.Generation;
import io.etcdbackup.snapshot.testing.EtcdClusterExtension;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.local.LocalStoreProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** One corrupted byte in any snapshot object: restore fails naming it and leaves the data dir alone. */
class CorruptObjectIT {

    @RegisterExtension
    static final EtcdClusterExtension etcd = EtcdClusterExtension.members(1);

    @TempDir
    static Path dir;

    static Path storeDir;
    static List<String> objectKeys = new ArrayList<>();

    @BeforeAll
    static void backUp() throws Exception {
        storeDir = dir.resolve("store");
        String store = "file://" + storeDir;
        Path bin = etcd.binaries().etcd().getParent();
        new Workload(etcd.client(), 7).run(200);
        assertThat(AgentProcess.run(bin, "snapshot", "full", "--endpoints", etcd.endpoints(), "--store", store).exitCode()).isZero();
        new Workload(etcd.client(), 8).run(200, false); // one-shot deltas need the history uncompacted
        AgentProcess.Result delta = AgentProcess.run(bin, "snapshot", "delta", "--endpoints", etcd.endpoints(), "--store", store);
        assertThat(delta.exitCode()).as(delta.stderr()).isZero();
        new Workload(etcd.client(), 9).run(200, false);
        AgentProcess.Result again = AgentProcess.run(bin, "snapshot", "delta", "--endpoints", etcd.endpoints(), "--store", store);
        assertThat(again.exitCode()).as(again.stderr()).isZero();
        try (ObjectStore objects = LocalStoreProvider.at(storeDir)) {
            Generation generation = new Catalog(objects).generations().get(0);
            generation.fulls().forEach(f -> objectKeys.add(f.key()));
            generation.deltas().forEach(d -> objectKeys.add(d.key()));
        }
        assertThat(objectKeys).hasSize(3);
    }

    @Test
    void aCorruptedByteInAnyObjectFailsTheRestoreNamingItAndTheExistingDataDirIsUntouched() throws Exception {
        Path bin = etcd.binaries().etcd().getParent();
        String store = "file://" + storeDir;
        Path dataDir = dir.resolve("data.etcd");
        AgentProcess.Result good = AgentProcess.run(bin, "restore", "--store", store, "--data-dir", dataDir.toString());
        assertThat(good.exitCode()).as(good.stderr()).isZero();
        String before = DataDirs.treeDigest(dataDir);

        Random random = new Random(11);
        for (String key : objectKeys) {
            Path object = storeDir.resolve(key);
            byte[] original = Files.readAllBytes(object);
            for (int trial = 0; trial < 3; trial++) {
                byte[] corrupt = original.clone();
                int position = trial == 0 ? 20 : random.nextInt(corrupt.length); // the header, then anywhere
                corrupt[position] ^= (byte) (1 + random.nextInt(255));
                Files.write(object, corrupt);

                AgentProcess.Result result = AgentProcess.run(bin, "restore", "--store", store, "--data-dir", dataDir.toString(),
                        "--replace-existing");

                assertThat(result.exitCode()).as("corrupt byte %d of %s", position, key).isNotZero();
                String errorLine = result.stderr().lines().filter(l -> l.startsWith("error: ")).findFirst().orElse("");
                assertThat(errorLine).as(result.stderr()).contains(key);
                assertThat(DataDirs.treeDigest(dataDir)).isEqualTo(before);
                assertThat(Files.exists(dir.resolve("data.etcd.part"))).isFalse();
            }
            Files.write(object, original);
        }
        AgentProcess.Result again = AgentProcess.run(bin, "restore", "--store", store, "--data-dir", dataDir.toString(), "--replace-existing");
        assertThat(again.exitCode()).as(again.stderr()).isZero();
    }
}
