package io.etcdbackup.agent.it;

import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
import io.etcdbackup.snapshot.catalog.Generation;
import io.etcdbackup.snapshot.testing.EtcdClusterExtension;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.local.LocalStoreProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** `catalog rebuild` recreates a lost index from the objects; `catalog verify` finds a corrupt one. */
class CatalogCommandsIT {

    @RegisterExtension
    final EtcdClusterExtension etcd = EtcdClusterExtension.members(1);

    @TempDir
    Path dir;

    @Test
    void aLostIndexIsRebuiltFromTheObjectsAndVerifyReportsTheNewestVerifiablyRestorableRevision() throws Exception {
        Path storeDir = dir.resolve("store");
        String store = "file://" + storeDir;
        Path bin = etcd.binaries().etcd().getParent();
        new Workload(etcd.client(), 51).run(100, false);
        assertThat(AgentProcess.run(bin, "snapshot", "full", "--endpoints", etcd.endpoints(), "--store", store).exitCode()).isZero();
        for (int round = 0; round < 2; round++) {
            new Workload(etcd.client(), 52 + round).run(100, false);
            assertThat(AgentProcess.run(bin, "snapshot", "delta", "--endpoints", etcd.endpoints(), "--store", store).exitCode()).isZero();
        }
        Generation before;
        try (ObjectStore objects = LocalStoreProvider.at(storeDir)) {
            before = new Catalog(objects).generations().get(0);
        }

        try (Stream<Path> versions = Files.walk(storeDir.resolve("eba-v1/catalog"))) {
            versions.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        AgentProcess.Result rebuild = AgentProcess.run(bin, "catalog", "rebuild", "--store", store);
        assertThat(rebuild.exitCode()).as(rebuild.stderr()).isZero();
        assertThat(rebuild.stdout()).contains("3 objects indexed, 0 skipped");
        try (ObjectStore objects = LocalStoreProvider.at(storeDir)) {
            Generation after = new Catalog(objects).generations().get(0);
            assertThat(after.fulls()).extracting(f -> f.key()).isEqualTo(before.fulls().stream().map(f -> f.key()).toList());
            assertThat(after.deltas()).extracting(DeltaSegmentRef::key).isEqualTo(before.deltas().stream().map(DeltaSegmentRef::key).toList());
        }

        AgentProcess.Result clean = AgentProcess.run(bin, "catalog", "verify", "--store", store);
        assertThat(clean.exitCode()).as(clean.stdout()).isZero();
        assertThat(clean.stdout()).contains("newest verifiably restorable revision: " + before.lastRevision());

        DeltaSegmentRef last = before.deltas().get(before.deltas().size() - 1);
        Path object = storeDir.resolve(last.key());
        byte[] bytes = Files.readAllBytes(object);
        bytes[bytes.length / 2] ^= 0x5a;
        Files.write(object, bytes);
        AgentProcess.Result corrupt = AgentProcess.run(bin, "catalog", "verify", "--store", store);
        assertThat(corrupt.exitCode()).isEqualTo(1);
        assertThat(corrupt.stdout()).contains("FAILED " + last.key())
                .contains("newest verifiably restorable revision: " + (last.firstRevision() - 1));
    }
}
