package io.etcdbackup.restore.keys;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.api.KeyValue;
import io.etcdbackup.etcdprocess.EtcdProcess;
import io.etcdbackup.etcdprocess.testing.TestEtcdBinaries;
import io.etcdbackup.restore.NoBackupException;
import io.etcdbackup.restore.RestorePlanner;
import io.etcdbackup.restore.RestorePoint;
import io.etcdbackup.snapshot.catalog.BackupLayout;
import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.snapshot.format.Codec;
import io.etcdbackup.snapshot.format.ObjectHeader;
import io.etcdbackup.snapshot.format.ObjectPublisher;
import io.etcdbackup.snapshot.testing.DeltaSegments;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.local.LocalStoreProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static io.etcdbackup.snapshot.testing.DeltaSegments.delete;
import static io.etcdbackup.snapshot.testing.DeltaSegments.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The keys at a revision from a real etcd snapshot plus delta segments: a database holding more
 * than its recorded revision, segments overlapping it and each other (a leader handover), and
 * scratch space given back whatever happens.
 */
class KeysReaderIT {

    private static final String GENERATION = "20261207T100000000Z-beef";
    private static final Instant T0 = Instant.parse("2026-12-07T10:00:00Z");

    @TempDir
    Path dir;

    private static ByteSequence text(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    /** Revisions 2..4 in the database (recorded as 3: a proven lower bound), 4..7 in two overlapping segments. */
    private ObjectStore backups() throws Exception {
        Path db = dir.resolve("snapshot.db");
        try (EtcdProcess etcd = EtcdProcess.startSingleMember(TestEtcdBinaries.get(), "keys", dir.resolve("keys.etcd"),
                List.of(), Duration.ofSeconds(60), spec -> { });
             Client client = Client.builder().endpoints(etcd.clientUrl().toString()).build()) {
            client.getKVClient().put(text("/a/1"), text("x")).get();
            client.getKVClient().put(text("/a/2"), text("y")).get();
            client.getKVClient().put(text("/b/1"), text("other")).get();
            try (OutputStream out = Files.newOutputStream(db)) {
                client.getMaintenanceClient().snapshot(out).get();
            }
        }
        ObjectStore store = LocalStoreProvider.at(dir.resolve("store"));
        new ObjectPublisher(store).publish(BackupLayout.fullKey(GENERATION, 3, T0), ObjectHeader.fullSnapshot(GENERATION, 3, 1, 2,
                "3.5.16", Codec.ZSTD, T0), 1, ObjectPublisher.IfExists.FAIL, out -> Files.copy(db, out));
        DeltaSegments.write(store, GENERATION, List.of(
                put("/b/1", "other", 4, 4, 1, 0),
                put("/a/3", "z", 5, 5, 1, 0),
                delete("/a/1", 6)), List.of(), List.of(), T0.plusSeconds(1));
        DeltaSegments.write(store, GENERATION, List.of(
                delete("/a/1", 6),
                put("/a/2", "y2", 3, 7, 2, 0)), List.of(), List.of(), T0.plusSeconds(2));
        return store;
    }

    private static List<String> keysAt(PrefixView view) throws Exception {
        List<String> keys = new ArrayList<>();
        view.forEach(kv -> keys.add(describe(kv)));
        return keys;
    }

    private static String describe(KeyValue kv) {
        return kv.getKey().toStringUtf8() + "=" + kv.getValue().toStringUtf8() + " " + kv.getCreateRevision() + "/" + kv.getModRevision()
                + "/v" + kv.getVersion();
    }

    @Test
    void theKeysAtAnyRetainedRevisionFromTheDatabaseAndTheSegmentsAfterIt() throws Exception {
        Path scratch = dir.resolve("scratch");
        try (ObjectStore store = backups()) {
            KeysReader reader = new KeysReader(store, new RestorePlanner(new Catalog(store)));
            try (PrefixView view = reader.read(new RestorePoint.AtRevision(3), KeyPrefix.of("/a/"), scratch)) {
                assertThat(view.revision()).isEqualTo(3);
                assertThat(keysAt(view)).containsExactly("/a/1=x 2/2/v1", "/a/2=y 3/3/v1");
            }
            try (PrefixView view = reader.read(new RestorePoint.AtRevision(5), KeyPrefix.of("/a/"), scratch)) {
                assertThat(keysAt(view)).containsExactly("/a/1=x 2/2/v1", "/a/2=y 3/3/v1", "/a/3=z 5/5/v1");
            }
            try (PrefixView view = reader.read(new RestorePoint.Latest(), KeyPrefix.of("/"), scratch)) {
                assertThat(view.revision()).isEqualTo(7);
                assertThat(view.size()).isEqualTo(3);
                assertThat(keysAt(view)).containsExactly("/a/2=y2 3/7/v2", "/a/3=z 5/5/v1", "/b/1=other 4/4/v1");
                List<String> afterA2 = new ArrayList<>();
                view.forEachAfter(com.google.protobuf.ByteString.copyFromUtf8("/a/2"), kv -> afterA2.add(describe(kv)));
                assertThat(afterA2).containsExactly("/a/3=z 5/5/v1", "/b/1=other 4/4/v1");
                assertThat(Files.list(scratch)).as("the view's database, while it is open").hasSize(1);
            }
            assertThat(Files.list(scratch)).as("closing the view removes its scratch directory").isEmpty();

            assertThatThrownBy(() -> reader.read(new RestorePoint.AtRevision(8), KeyPrefix.of("/"), scratch))
                    .isInstanceOf(NoBackupException.class).hasMessageContaining("holds revision 8");
            assertThat(Files.list(scratch)).isEmpty();
            assertThatThrownBy(() -> reader.read(new RestorePoint.Latest(), KeyPrefix.of("/"), scratch, 2))
                    .isInstanceOf(TooManyKeysException.class).hasMessageContaining("more than 2 keys at once");
            assertThat(Files.list(scratch)).isEmpty();
        }
    }

    @Test
    void anUnreadableDatabaseIsRefusedNamingItAndLeavesNoScratch() throws Exception {
        Path scratch = dir.resolve("scratch");
        try (ObjectStore store = LocalStoreProvider.at(dir.resolve("store"))) {
            new ObjectPublisher(store).publish(BackupLayout.fullKey(GENERATION, 3, T0), ObjectHeader.fullSnapshot(GENERATION, 3, 1, 2,
                    "3.5.16", Codec.ZSTD, T0), 1, ObjectPublisher.IfExists.FAIL, out -> out.write(new byte[8192]));
            KeysReader reader = new KeysReader(store, new RestorePlanner(new Catalog(store)));

            assertThatThrownBy(() -> reader.read(new RestorePoint.Latest(), KeyPrefix.of("/"), scratch))
                    .hasMessageContaining("full.db");
            assertThat(Files.list(scratch)).isEmpty();
        }
    }
}
