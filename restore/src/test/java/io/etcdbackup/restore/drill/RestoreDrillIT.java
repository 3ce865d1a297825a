package io.etcdbackup.restore.drill;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.PutOption;
import io.etcdbackup.restore.CatalogVerifier;
import io.etcdbackup.restore.RestorePlanner;
import io.etcdbackup.restore.Restorer;
import io.etcdbackup.snapshot.capture.DeltaCapture;
import io.etcdbackup.snapshot.capture.FullSnapshotter;
import io.etcdbackup.snapshot.catalog.BackupLayout;
import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.snapshot.catalog.CatalogWriter;
import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
import io.etcdbackup.snapshot.catalog.FullSnapshotRef;
import io.etcdbackup.snapshot.catalog.GenerationInfo;
import io.etcdbackup.snapshot.etcd.MemberStatus;
import io.etcdbackup.snapshot.format.Codec;
import io.etcdbackup.snapshot.testing.DeltaSegments;
import io.etcdbackup.snapshot.testing.EtcdClusterExtension;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.local.LocalStoreProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Restore drills against real etcd: a backup restored into a scratch member hashes like the live
 * cluster (etcd's {@code HashKV}), at the live cluster's compaction point; a backup altered behind
 * its checksum's back does not; what cannot be compared is inconclusive, with the reason.
 */
class RestoreDrillIT {

    @RegisterExtension
    final EtcdClusterExtension etcd = EtcdClusterExtension.members(1);

    @TempDir
    Path dir;

    private ObjectStore store;
    private Path scratch;

    /**
     * @param generation   the generation captured
     * @param fullRevision the full snapshot's recorded revision
     * @param lastRevision the last captured revision
     */
    private record Backup(String generation, long fullRevision, long lastRevision) {
    }

    @BeforeEach
    void openStore() throws Exception {
        store = LocalStoreProvider.at(dir.resolve("store"));
        scratch = dir.resolve("scratch");
    }

    @AfterEach
    void closeStore() throws Exception {
        store.close();
    }

    private RestoreDrill drill() {
        return new RestoreDrill(store, new RestorePlanner(new Catalog(store)), etcd.clients(),
                new RestoreDrill.Settings(new Restorer.Settings(etcd.binaries(), null, 3600, 2), scratch));
    }

    private long liveHash(long revision) throws Exception {
        return Integer.toUnsignedLong(etcd.client().getMaintenanceClient().hashKV(etcd.clientUrls().get(0).toString(), revision)
                .get().getHash());
    }

    @Test
    void aCorrectBackupPassesWithTheLiveClustersHashAtItsLastRevision() throws Exception {
        Backup backup = backUp(0);
        write(etcd.client(), 99, 20); // the live cluster moves on; the drill compares at the backup's revision

        DrillResult result = drill().run();

        assertThat(result.verdict()).as(result.describe()).isEqualTo(DrillResult.Verdict.PASSED);
        assertThat(result.generation()).isEqualTo(backup.generation());
        assertThat(result.revision()).isEqualTo(backup.lastRevision());
        assertThat(result.hash()).hasValue(liveHash(backup.lastRevision()));
        assertThat(result.compactRevision()).as("etcd's value for never compacted").isEqualTo(-1);
        assertThat(scratchLeftovers()).as("the scratch member and its downloads are removed").isEmpty();
    }

    @Test
    void theRestoredMemberIsCompactedToTheLiveCompactionPointBeforeTheHashesAreCompared() throws Exception {
        Backup backup = backUp(0);
        long compactAt = (backup.fullRevision() + backup.lastRevision()) / 2;
        etcd.client().getKVClient().compact(compactAt).get();

        DrillResult result = drill().run();

        assertThat(result.verdict()).as(result.describe()).isEqualTo(DrillResult.Verdict.PASSED);
        assertThat(result.compactRevision()).isEqualTo(compactAt);
        assertThat(result.hash()).hasValue(liveHash(backup.lastRevision()));
    }

    @Test
    void aSegmentAlteredBehindAValidChecksumFailsTheDrillNamingBothHashesAndRevisions() throws Exception {
        Backup backup = backUp(0);
        DeltaSegmentRef altered = alterOneValue(new Catalog(store).latest().orElseThrow().deltas().get(0));
        assertThat(new CatalogVerifier(store).verify(new Catalog(store).generations(), 1.0, new Random()).get(0).failures())
                .as("the altered segment's checksum is valid: only a restore can tell").isEmpty();

        DrillMismatchException mismatch = catchThrowableOfType(() -> drill().run(), DrillMismatchException.class);

        assertThat(mismatch).as("a mismatch, not a pass, after altering %s", altered.key()).isNotNull();
        long live = liveHash(backup.lastRevision());
        assertThat(mismatch.liveHash()).isEqualTo(live);
        assertThat(mismatch.restoredHash()).isNotEqualTo(live);
        assertThat(mismatch.liveRevision()).isEqualTo(backup.lastRevision());
        assertThat(mismatch.restoredRevision()).isEqualTo(backup.lastRevision());
        assertThat(mismatch.getMessage()).contains("HashKV " + live + " at revision " + backup.lastRevision(),
                "HashKV " + mismatch.restoredHash() + " at revision " + backup.lastRevision());
        assertThat(scratchLeftovers()).isEmpty();
    }

    @Test
    void aLiveClusterCompactedPastTheBackupIsInconclusiveAndNothingIsRestored() throws Exception {
        Backup backup = backUp(0);
        long now = write(etcd.client(), 98, 5);
        etcd.client().getKVClient().compact(now).get();

        DrillResult result = drill().run();

        assertThat(result.verdict()).isEqualTo(DrillResult.Verdict.INCONCLUSIVE);
        assertThat(result.revision()).isEqualTo(backup.lastRevision());
        assertThat(result.reason()).contains("compacted revision " + backup.lastRevision());
        assertThat(scratch).doesNotExist();
    }

    @Test
    void backupsOfAnotherClusterAreInconclusive() throws Exception {
        backUp(0x42);

        DrillResult result = drill().run();

        assertThat(result.verdict()).isEqualTo(DrillResult.Verdict.INCONCLUSIVE);
        assertThat(result.reason()).contains("etcd cluster 42", "not the same");
    }

    private List<Path> scratchLeftovers() throws Exception {
        if (!Files.exists(scratch)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(scratch)) {
            return entries.toList();
        }
    }

    /**
     * History, a full snapshot, more history captured in two delta segments.
     *
     * @param recordedClusterId the cluster id the generation records; 0 for the live cluster's
     */
    private Backup backUp(long recordedClusterId) throws Exception {
        Client client = etcd.client();
        write(client, 1, 30);
        Catalog catalog = new Catalog(store, new CatalogWriter(store, "test", Clock.systemUTC()));
        MemberStatus status = MemberStatus.read(client, etcd.clientUrls().get(0));
        String generation = BackupLayout.newGenerationId(Instant.now());
        catalog.recordGeneration(new GenerationInfo(generation, "test", Instant.now(),
                recordedClusterId == 0 ? status.clusterId() : recordedClusterId, status.revision(), null));
        FullSnapshotRef full = new FullSnapshotter(etcd.clients(), client, catalog, FullSnapshotter.Settings.defaults(),
                Clock.systemUTC()).take(generation);
        long last = 0;
        try (DeltaCapture capture = new DeltaCapture(etcd.clients(), client, catalog, generation,
                new DeltaCapture.Source(status.clusterId(), status.memberId(), status.version()),
                new DeltaCapture.Settings(1 << 20, 8 << 20, Codec.ZSTD, 1), Clock.systemUTC(),
                new DeltaCapture.Listener() { })) {
            capture.start(full.revision() + 1);
            for (int round = 2; round <= 3; round++) {
                last = write(client, round, 30);
                assertThat(capture.awaitReceived(last, Duration.ofSeconds(60))).isTrue();
                capture.flush();
            }
        }
        assertThat(catalog.latest().orElseThrow().deltas()).hasSize(2);
        return new Backup(generation, full.revision(), last);
    }

    /**
     * Puts, overwrites, deletes, a multi-key transaction and keys on a long lease.
     *
     * @return the revision after the last write
     */
    private static long write(Client client, int seed, int operations) throws Exception {
        Random random = new Random(seed);
        long lease = client.getLeaseClient().grant(600).get().getID();
        for (int i = 0; i < operations; i++) {
            String key = "/registry/pods/pod-" + random.nextInt(12);
            switch (random.nextInt(5)) {
                case 0 -> client.getKVClient().delete(bytes(key)).get();
                case 1 -> client.getKVClient().txn().Then(
                                Op.put(bytes(key + "-a"), bytes("txn-" + seed + "-" + i), PutOption.DEFAULT),
                                Op.put(bytes(key + "-b"), bytes("txn-" + seed + "-" + i), PutOption.DEFAULT),
                                Op.delete(bytes("/registry/absent"), DeleteOption.DEFAULT))
                        .commit().get();
                case 2 -> client.getKVClient().put(bytes("/registry/leases/pod-" + i), bytes("leased-" + seed),
                        PutOption.builder().withLeaseId(lease).build()).get();
                default -> client.getKVClient().put(bytes(key), bytes("value-" + seed + "-" + i)).get();
            }
        }
        // A read reports the current revision (the last write may have been a delete of an absent key).
        return client.getKVClient().get(bytes("/")).get().getHeader().getRevision();
    }

    /** Rewrites {@code segment} with one PUT's value changed, through the real format writer: its checksum is valid. */
    private DeltaSegmentRef alterOneValue(DeltaSegmentRef segment) throws Exception {
        return DeltaSegments.alterFirstPutValue(store, segment, "tampered");
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }
}
