package io.etcdbackup.snapshot.capture;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.snapshot.catalog.CatalogWriter;
import io.etcdbackup.snapshot.catalog.FullSnapshotRef;
import io.etcdbackup.snapshot.format.Codec;
import io.etcdbackup.snapshot.format.ObjectKind;
import io.etcdbackup.snapshot.format.SnapshotObjectReader;
import io.etcdbackup.snapshot.testing.EtcdClusterExtension;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.local.LocalStoreProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** Full snapshots from a three-member cluster (the harness's cluster mode), compared with etcdctl's. */
class FullSnapshotterIT {

    @RegisterExtension
    static final EtcdClusterExtension etcd = EtcdClusterExtension.members(3);

    @TempDir
    Path dir;

    @Test
    void streamsTheSameDatabaseEtcdctlSavesAndRecordsALowerBoundRevision() throws Exception {
        for (int i = 0; i < 200; i++) {
            etcd.client().getKVClient().put(ByteSequence.from("/k/" + i, StandardCharsets.UTF_8),
                    ByteSequence.from("value " + i, StandardCharsets.UTF_8)).get();
        }
        long revisionBefore;
        // Read on the member that is snapshotted: a linearizable read there waits until it has applied
        // every write (another member may answer before this one has).
        try (Client local = etcd.clients().newLocalClient()) {
            revisionBefore = local.getKVClient().get(ByteSequence.from("/k/0", StandardCharsets.UTF_8)).get().getHeader().getRevision();
        }
        try (ObjectStore store = LocalStoreProvider.at(dir.resolve("store"))) {
            Catalog catalog = new Catalog(store, new CatalogWriter(store, "test", Clock.systemUTC()));
            FullSnapshotRef ref = new FullSnapshotter(etcd.clients(), etcd.client(), catalog,
                    new FullSnapshotter.Settings(Codec.ZSTD, 3, Duration.ofMinutes(1)), Clock.systemUTC()).take("20261122T000000000Z-0001");
            assertThat(ref.revision()).isEqualTo(revisionBefore);
            assertThat(catalog.generations().get(0).fulls()).containsExactly(ref);

            byte[] streamed;
            try (SnapshotObjectReader reader = SnapshotObjectReader.open(ref.key(), store.open(ref.key()))) {
                assertThat(reader.header().kind()).isEqualTo(ObjectKind.FULL);
                assertThat(reader.header().etcdVersion()).isEqualTo(etcd.binaries().version());
                streamed = reader.content().readAllBytes();
                reader.verify();
            }
            Path saved = dir.resolve("etcdctl.db");
            Process save = new ProcessBuilder(etcd.binaries().etcdctl().toString(), "--endpoints=" + etcd.clientUrls().get(0),
                    "snapshot", "save", saved.toString()).redirectErrorStream(true).start();
            save.getInputStream().readAllBytes();
            assertThat(save.waitFor()).isZero();
            // Both are the member's database: etcd's own status of each file (a hash over every bucket's
            // keys and values, the revision, the key count) is the same. Not byte for byte: etcd 3.5
            // commits its backend for each snapshot request, so bbolt's meta page (txid) differs.
            Path streamedFile = dir.resolve("streamed.db");
            Files.write(streamedFile, streamed);
            assertThat(snapshotStatus(streamedFile)).isEqualTo(snapshotStatus(saved)).contains("\"revision\":" + revisionBefore);
        }
    }

    /** {@code snapshot status -w json} of a snapshot file, by etcdutl (3.5+) or etcdctl (3.4). */
    private String snapshotStatus(Path file) throws Exception {
        String tool = etcd.binaries().etcdutl().orElse(etcd.binaries().etcdctl()).toString();
        Process status = new ProcessBuilder(tool, "snapshot", "status", "-w", "json", file.toString()).start();
        String output = new String(status.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(status.waitFor()).as("%s snapshot status %s: %s", tool, file, output).isZero();
        return output;
    }
}
