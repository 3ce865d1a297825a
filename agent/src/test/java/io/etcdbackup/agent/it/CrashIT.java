package io.etcdbackup.agent.it;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
import io.etcdbackup.snapshot.catalog.FullSnapshotRef;
import io.etcdbackup.snapshot.catalog.Generation;
import io.etcdbackup.snapshot.format.SnapshotObjectReader;
import io.etcdbackup.snapshot.testing.EtcdClusterExtension;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.local.LocalStoreProvider;
import io.etcdbackup.stores.testing.Await;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import static io.etcdbackup.stores.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/** kill -9 of the agent mid-upload never leaves a readable-but-incomplete object, and the chain continues. */
class CrashIT {

    @RegisterExtension
    final EtcdClusterExtension etcd = EtcdClusterExtension.members(1, "--quota-backend-bytes=4294967296");

    /** A temp file this large is the first full snapshot's upload (75 MB), not a small record. */
    private static final long FULL_UPLOAD_UNDER_WAY = 1024 * 1024;

    @TempDir
    Path dir;

    private Process startServer(String store, int run) throws Exception {
        ProcessBuilder builder = AgentProcess.builder(List.of(), "server", "--server-port", "0", "--endpoints", etcd.endpoints(), "--store", store,
                "--delta-period", "50ms", "--full-schedule", "");
        builder.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("server-" + run + ".log").toFile()));
        return builder.start();
    }

    /**
     * The size of the largest upload in progress in the local store's temp area, 0 when none. Small
     * writes (agent records, catalog updates) come and go within milliseconds; only the full
     * snapshot's upload grows past a megabyte.
     */
    private static long largestUploadInProgress(Path storeDir) throws Exception {
        Path incoming = storeDir.resolve(".incoming");
        if (!Files.isDirectory(incoming)) {
            return 0;
        }
        long largest = 0;
        try (Stream<Path> files = Files.list(incoming)) {
            for (Path part : (Iterable<Path>) files::iterator) {
                try {
                    largest = Math.max(largest, Files.size(part));
                } catch (NoSuchFileException finishedMeanwhile) {
                    // published (or abandoned) between listing and sizing
                }
            }
        }
        return largest;
    }

    /** Every listed object reads to its end and passes its checksum. */
    private static void assertEveryListedObjectIsComplete(Path storeDir) throws Exception {
        try (ObjectStore store = LocalStoreProvider.at(storeDir)) {
            for (Generation generation : new Catalog(store).generations()) {
                List<String> keys = new ArrayList<>();
                generation.fulls().stream().map(FullSnapshotRef::key).forEach(keys::add);
                generation.deltas().stream().map(DeltaSegmentRef::key).forEach(keys::add);
                for (String key : keys) {
                    try (SnapshotObjectReader reader = SnapshotObjectReader.open(key, store.open(key))) {
                        reader.verify();
                    }
                }
            }
        }
    }

    @Test
    void killedMidUploadTheAgentLeavesOnlyCompleteObjectsAndContinuesWithoutAGap() throws Exception {
        Path storeDir = dir.resolve("store");
        String store = "file://" + storeDir;
        Path bin = etcd.binaries().etcd().getParent();
        Client client = etcd.client();
        Random random = new Random(5);
        for (int i = 0; i < 600; i++) { // ~75 MB of incompressible values: the full upload takes a while
            byte[] value = new byte[128 * 1024];
            random.nextBytes(value);
            client.getKVClient().put(ByteSequence.from(("/blob/" + i).getBytes()), ByteSequence.from(value)).get();
        }

        // 1. Killed during the first full snapshot's upload.
        Process first = startServer(store, 1);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        long seenUploading = 0;
        while (seenUploading < FULL_UPLOAD_UNDER_WAY && System.nanoTime() < deadline) {
            seenUploading = largestUploadInProgress(storeDir);
            Thread.sleep(2);
        }
        first.destroyForcibly().waitFor();
        assertThat(seenUploading).as("bytes of the full snapshot's upload seen in progress").isGreaterThanOrEqualTo(FULL_UPLOAD_UNDER_WAY);
        assertEveryListedObjectIsComplete(storeDir);
        AgentProcess.Result list = AgentProcess.run(bin, "list", "--store", store);
        assertThat(list.exitCode()).as(list.stderr()).isZero();

        // 2. Restarted and killed again, repeatedly, while deltas are being uploaded under load.
        AtomicBoolean writing = new AtomicBoolean(true);
        Thread writer = new Thread(() -> {
            int i = 0;
            while (writing.get()) {
                try {
                    client.getKVClient().put(ByteSequence.from(("/live/" + (i % 500)).getBytes()),
                            ByteSequence.from(("value-" + i++).getBytes())).get();
                } catch (Exception e) {
                    return;
                }
            }
        });
        writer.start();
        try {
            for (int run = 2; run <= 4; run++) {
                Process server = startServer(store, run);
                Thread.sleep(2500 + random.nextInt(1500));
                server.destroyForcibly().waitFor();
                assertEveryListedObjectIsComplete(storeDir);
            }
        } finally {
            writing.set(false);
            writer.join();
        }

        // 3. A last run catches up and stops cleanly on SIGTERM.
        long finalRevision = Keyspace.read(client, 0).revision();
        Process last = startServer(store, 5);
        try {
            // A full snapshot (75 MB) first if no earlier run finished one, then the deltas.
            try {
                await("caught up to revision " + finalRevision, Duration.ofSeconds(180), () -> BackupAndRestoreIT.lastRevision(storeDir),
                        captured -> captured >= finalRevision);
            } catch (Await.TimedOut timedOut) {
                throw new AssertionError(timedOut.getMessage() + ": " + Files.readString(dir.resolve("server-5.log")), timedOut);
            }
        } catch (AssertionError | Exception e) {
            AgentProcess.kill(last);
            throw e;
        }
        assertThat(AgentProcess.stop(last)).as("exited on SIGTERM").isTrue();
        assertThat(last.exitValue()).as(Files.readString(dir.resolve("server-5.log"))).isZero();
        assertEveryListedObjectIsComplete(storeDir);

        try (ObjectStore objects = LocalStoreProvider.at(storeDir)) {
            Generation latest = new Catalog(objects).latestRestorable().orElseThrow();
            assertThat(latest.lastRevision()).isEqualTo(finalRevision);
        }
        try (RestoredEtcd restored = new RestoredEtcd()) {
            Path dataDir = dir.resolve("restored.etcd");
            List<String> args = new ArrayList<>(List.of("restore", "--store", store, "--data-dir", dataDir.toString()));
            args.addAll(restored.restoreFlags());
            AgentProcess.Result result = AgentProcess.run(bin, args.toArray(String[]::new));
            assertThat(result.exitCode()).as(result.stderr()).isZero();
            Keyspace actual = Keyspace.read(restored.start(etcd.binaries(), dataDir), 0);
            assertThat(actual.revision()).isEqualTo(finalRevision);
            assertThat(actual.keys()).isEqualTo(Keyspace.read(client, finalRevision).keys());
        }
        assertThat(new File(storeDir.toFile(), ".incoming").list()).as("leftover temp files are invisible, not published").isNotNull();
    }
}
