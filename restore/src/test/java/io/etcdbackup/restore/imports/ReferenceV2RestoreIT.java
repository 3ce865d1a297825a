package io.etcdbackup.restore.imports;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcdbackup.restore.RestorePlan;
import io.etcdbackup.restore.RestorePlanner;
import io.etcdbackup.restore.RestoreTarget;
import io.etcdbackup.restore.Restorer;
import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.etcdprocess.EtcdProcess;
import io.etcdbackup.snapshot.testing.EtcdClusterExtension;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.WriteMode;
import io.etcdbackup.stores.local.LocalStoreProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static io.etcdbackup.restore.imports.ReferenceObjects.GoEvent;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Backups shaped exactly like etcd-backup-restore's v2 layout, made from a real etcd: a full
 * snapshot from {@code etcdctl snapshot save} and delta segments from a watch, written as its JSON.
 * Restoring them through the ordinary planner must give back the source's keyspace and revision.
 */
class ReferenceV2RestoreIT {

    @RegisterExtension
    static final EtcdClusterExtension etcd = EtcdClusterExtension.members(1);

    @TempDir
    Path dir;

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    @Test
    void aV2FullAndIncrChainRestoresTheSourcesKeyspaceAndRevision() throws Exception {
        Client client = etcd.client();
        KV kv = client.getKVClient();
        kv.put(bytes("/registry/pods/a"), bytes("a1")).get();
        kv.put(bytes("/registry/pods/b"), bytes("b1")).get();
        kv.put(bytes("/registry/pods/a"), bytes("a2")).get();
        kv.put(bytes("/registry/pods/gone"), bytes("x")).get();
        kv.delete(bytes("/registry/pods/gone")).get();
        kv.txn().Then(Op.put(bytes("/registry/cm/t1"), bytes("1"), PutOption.DEFAULT),
                Op.put(bytes("/registry/cm/t2"), bytes("2"), PutOption.DEFAULT)).commit().get();
        long snapshotRevision = revision(kv);

        ObjectStore store = LocalStoreProvider.at(dir.resolve("store"));
        Path saved = etcdctlSnapshotSave();
        long unix = Instant.now().getEpochSecond();
        store.put("v2/" + ReferenceObjects.name("Full", 0, snapshotRevision, unix, ".gz"),
                ReferenceObjects.compress(Files.readAllBytes(saved), ".gz"), WriteMode.IF_ABSENT);

        // after the full snapshot: overwrites, deletes, a multi-key transaction, binary values, a lease, a range delete
        long lease = client.getLeaseClient().grant(600).get().getID();
        kv.put(bytes("/registry/pods/a"), bytes("a3")).get();
        kv.delete(bytes("/registry/pods/b")).get();
        kv.txn().Then(Op.put(bytes("/registry/cm/t1"), bytes("1b"), PutOption.DEFAULT),
                Op.delete(bytes("/registry/cm/t2"), DeleteOption.DEFAULT),
                Op.put(bytes("/registry/cm/t3"), ByteSequence.from(new byte[] {0, 1, (byte) 0xFE, (byte) 0xFF}), PutOption.DEFAULT))
                .commit().get();
        kv.put(bytes("/registry/leases/l"), bytes("held"), PutOption.builder().withLeaseId(lease).build()).get();
        for (int i = 0; i < 20; i++) {
            kv.put(bytes("/registry/events/e" + i), bytes("event " + i)).get();
        }
        kv.delete(bytes("/registry/events/"), DeleteOption.builder().isPrefix(true).build()).get();
        kv.put(bytes("/registry/pods/b"), bytes("b2")).get();
        long lastRevision = revision(kv);
        Map<String, String> source = keyspace(client, lastRevision);

        List<WatchEvent> events = watch(client, snapshotRevision + 1, lastRevision);
        writeIncrSegments(store, events, snapshotRevision, unix, List.of(".gz", ".zlib", ""));

        Path dataDir = dir.resolve("restored.etcd");
        int[] ports = EtcdProcess.freePorts(2);
        int peerPort = ports[1];
        String peerUrl = EtcdProcess.peerUrl(peerPort);
        RestorePlan plan = new RestorePlanner(new Catalog(store), List.of(ReferenceLayout.of(store))).latest();
        assertThat(plan.format()).isSameAs(ReferenceFormat.INSTANCE);
        assertThat(plan.deltas()).hasSize(3);
        Restorer.Result result = new Restorer(store, new Restorer.Settings(etcd.binaries(), null, 3600, 2))
                .restore(plan, new RestoreTarget(dataDir, "restored", "restored=" + peerUrl, peerUrl, "restored-cluster", false));
        assertThat(result.revision()).isEqualTo(lastRevision);

        try (EtcdProcess restored = startOn(dataDir, ports);
             Client restoredClient = Client.builder().endpoints(restored.clientUrl().toString()).build()) {
            assertThat(revision(restoredClient.getKVClient())).isEqualTo(lastRevision);
            assertThat(keyspace(restoredClient, 0)).isEqualTo(source);
        }
        assertThat(source).containsKey("/registry/leases/l").doesNotContainKey("/registry/pods/gone")
                .doesNotContainKey("/registry/cm/t2").doesNotContainKey("/registry/events/e1");
    }

    @Test
    void aPlainEtcdctlSnapshotFileRestoresAsAFullSnapshot() throws Exception {
        KV kv = etcd.client().getKVClient();
        kv.put(bytes("/plain/a"), bytes("1")).get();
        kv.put(bytes("/plain/a"), bytes("2")).get();
        long revision = revision(kv);
        Map<String, String> source = keyspace(etcd.client(), revision);

        ObjectStore store = LocalStoreProvider.at(dir.resolve("plain-store"));
        store.put("snapshot.db", Files.readAllBytes(etcdctlSnapshotSave()), WriteMode.IF_ABSENT);
        Path dataDir = dir.resolve("plain.etcd");
        int[] ports = EtcdProcess.freePorts(2);
        int peerPort = ports[1];
        String peerUrl = EtcdProcess.peerUrl(peerPort);
        RestorePlan plan = new RestorePlanner(new Catalog(store), List.of(ReferenceLayout.of(store))).latest();
        assertThat(plan.full().key()).isEqualTo("snapshot.db");
        new Restorer(store, new Restorer.Settings(etcd.binaries(), null, 3600, 2))
                .restore(plan, new RestoreTarget(dataDir, "restored", "restored=" + peerUrl, peerUrl, "restored-cluster", false));

        try (EtcdProcess restored = startOn(dataDir, ports);
             Client restoredClient = Client.builder().endpoints(restored.clientUrl().toString()).build()) {
            assertThat(revision(restoredClient.getKVClient())).isEqualTo(revision);
            assertThat(keyspace(restoredClient, 0)).isEqualTo(source);
        }
    }

    private Path etcdctlSnapshotSave() throws Exception {
        Path file = dir.resolve("etcdctl-" + System.nanoTime() + ".db");
        Process process = new ProcessBuilder(etcd.binaries().etcdctl().toString(), "--endpoints=" + etcd.endpoints(),
                "snapshot", "save", file.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("etcdctl-save.log").toFile()).start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as("etcdctl snapshot save: %s", Files.readString(dir.resolve("etcdctl-save.log"))).isZero();
        return file;
    }

    /** Starts etcd on a restored data dir: {@code ports} are its client and peer port. */
    private static EtcdProcess startOn(Path dataDir, int[] ports) throws Exception {
        String peerUrl = EtcdProcess.peerUrl(ports[1]);
        return EtcdProcess.start(new EtcdProcess.Spec(etcd.binaries(), "restored", dataDir, ports[0], ports[1],
                "restored=" + peerUrl, "new", "restored-cluster", List.of("--heartbeat-interval=10", "--election-timeout=100"),
                dataDir.resolveSibling(dataDir.getFileName() + ".log"))).awaitHealthy(Duration.ofSeconds(60));
    }

    /** Every event of revisions {@code from..to}, from a watch on the whole keyspace. */
    private static List<WatchEvent> watch(Client client, long from, long to) throws Exception {
        List<WatchEvent> events = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> done = new CompletableFuture<>();
        ByteSequence all = ByteSequence.from(new byte[] {0});
        Watch.Watcher watcher = client.getWatchClient().watch(all,
                WatchOption.builder().withRange(all).withRevision(from).build(),
                Watch.listener(response -> {
                    events.addAll(response.getEvents());
                    if (!events.isEmpty() && events.get(events.size() - 1).getKeyValue().getModRevision() >= to) {
                        done.complete(null);
                    }
                }, done::completeExceptionally));
        try {
            done.get(30, TimeUnit.SECONDS);
        } finally {
            watcher.close();
        }
        return events;
    }

    /**
     * Splits the events into one segment per suffix on revision boundaries (a transaction is never
     * split) and writes them as the reference does: {@code Incr-<previous last + 1>-<last event's revision>-<unix>}.
     */
    private static void writeIncrSegments(ObjectStore store, List<WatchEvent> events, long base, long unix, List<String> suffixes)
            throws Exception {
        List<List<WatchEvent>> byRevision = new ArrayList<>();
        for (WatchEvent event : events) {
            long revision = event.getKeyValue().getModRevision();
            if (byRevision.isEmpty() || byRevision.get(byRevision.size() - 1).get(0).getKeyValue().getModRevision() != revision) {
                byRevision.add(new ArrayList<>());
            }
            byRevision.get(byRevision.size() - 1).add(event);
        }
        long previousLast = base;
        for (int s = 0; s < suffixes.size(); s++) {
            int from = byRevision.size() * s / suffixes.size();
            int to = byRevision.size() * (s + 1) / suffixes.size();
            List<GoEvent> segment = new ArrayList<>();
            for (List<WatchEvent> revision : byRevision.subList(from, to)) {
                for (WatchEvent event : revision) {
                    KeyValue kv = event.getKeyValue();
                    segment.add(new GoEvent(event.getEventType() == WatchEvent.EventType.DELETE, kv.getKey().getBytes(),
                            kv.getValue().getBytes(), kv.getCreateRevision(), kv.getModRevision(), kv.getVersion(), kv.getLease()));
                }
            }
            long last = segment.get(segment.size() - 1).modRevision();
            byte[] raw = ReferenceObjects.withSha256(ReferenceObjects.goJson(segment, Instant.now()));
            store.put("v2/" + ReferenceObjects.name("Incr", previousLast + 1, last, unix + 1 + s, suffixes.get(s)),
                    ReferenceObjects.compress(raw, suffixes.get(s)), WriteMode.IF_ABSENT);
            previousLast = last;
        }
    }

    private static long revision(KV kv) throws Exception {
        return kv.get(bytes("/")).get().getHeader().getRevision();
    }

    /** key -> value (hex), create and mod revision, version, lease; at {@code revision} (0: current). */
    private static Map<String, String> keyspace(Client client, long revision) throws Exception {
        ByteSequence all = ByteSequence.from(new byte[] {0});
        GetOption.Builder option = GetOption.builder().withRange(all);
        if (revision > 0) {
            option.withRevision(revision);
        }
        GetResponse response = client.getKVClient().get(all, option.build()).get();
        Map<String, String> keys = new TreeMap<>();
        for (KeyValue kv : response.getKvs()) {
            keys.put(kv.getKey().toString(StandardCharsets.UTF_8), HexFormat.of().formatHex(kv.getValue().getBytes())
                    + " create=" + kv.getCreateRevision() + " mod=" + kv.getModRevision() + " version=" + kv.getVersion()
                    + " lease=" + kv.getLease());
        }
        return keys;
    }
}
