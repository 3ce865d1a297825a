package io.etcdbackup.agent.it;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.PutOption;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.snapshot.catalog.Generation;
import io.etcdbackup.etcdprocess.EtcdProcess;
import io.etcdbackup.snapshot.testing.EtcdClusterExtension;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.local.LocalStoreProvider;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The init container's cases through the real CLI and real etcd: what {@code initialize} decides
 * for each state of the data directory and the store, and that etcd then starts on what it left.
 */
class InitializeIT {

    @RegisterExtension
    final EtcdClusterExtension etcd = EtcdClusterExtension.members(1);

    @TempDir
    Path dir;

    private Path storeDir;
    private String store;
    private Path bin;
    private Client source;

    @BeforeEach
    void setUp() {
        storeDir = dir.resolve("store");
        store = "file://" + storeDir;
        bin = etcd.binaries().etcd().getParent();
        source = etcd.client();
    }

    /**
     * Puts, overwrites, deletes, a transaction and a key on a long lease under {@code prefix}
     * (no short leases: nothing may expire while a test compares keyspaces); returns the revision after.
     */
    private long write(String prefix, int n) throws Exception {
        KV kv = source.getKVClient();
        for (int i = 0; i < n; i++) {
            kv.put(Workload.bytes(prefix + "/pod-" + (i % 40)), Workload.bytes("v" + i)).get();
            if (i % 7 == 0) {
                kv.delete(Workload.bytes(prefix + "/pod-" + ((i * 3) % 40))).get();
            }
        }
        kv.txn().Then(Op.put(Workload.bytes(prefix + "/txn-a"), Workload.bytes("a"), PutOption.DEFAULT),
                Op.put(Workload.bytes(prefix + "/txn-b"), Workload.bytes("b"), PutOption.DEFAULT)).commit().get();
        long lease = source.getLeaseClient().grant(3600).get().getID();
        return kv.put(Workload.bytes(prefix + "/leased"), Workload.bytes("l"), PutOption.builder().withLeaseId(lease).build())
                .get().getHeader().getRevision();
    }

    /** Writes and takes a full snapshot; returns the revision it holds. */
    private long fullBackup(String prefix) throws Exception {
        long revision = write(prefix, 150);
        AgentProcess.Result full = AgentProcess.run(bin, "snapshot", "full", "--endpoints", etcd.endpoints(), "--store", store);
        assertThat(full.exitCode()).as(full.stderr()).isZero();
        return revision;
    }

    /** Writes and captures it as one delta segment; returns the revision captured. */
    private long deltaBackup(String prefix) throws Exception {
        long revision = write(prefix, 150);
        AgentProcess.Result delta = AgentProcess.run(bin, "snapshot", "delta", "--endpoints", etcd.endpoints(), "--store", store);
        assertThat(delta.exitCode()).as(delta.stderr()).isZero();
        return revision;
    }

    private AgentProcess.Result initialize(Path dataDir, RestoredEtcd member, String... extra) throws Exception {
        return initialize(store, dataDir, member, extra);
    }

    private AgentProcess.Result initialize(String storeUrl, Path dataDir, RestoredEtcd member, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("initialize", "--store", storeUrl, "--data-dir", dataDir.toString()));
        args.addAll(member.restoreFlags());
        args.addAll(List.of(extra));
        return AgentProcess.run(bin, args.toArray(String[]::new));
    }

    private Path restoredDataDir(String name) throws Exception {
        Path dataDir = dir.resolve(name);
        AgentProcess.Result restored = AgentProcess.run(bin, "restore", "--store", store, "--data-dir", dataDir.toString());
        assertThat(restored.exitCode()).as(restored.stderr()).isZero();
        return dataDir;
    }

    private static String safeguard(Path dataDir) throws Exception {
        return Files.readString(dataDir.resolve("etcd-backup-agent.safeguard"));
    }

    @Test
    void anEmptyDataDirIsRestoredFromTheLatestBackupAndClaimed() throws Exception {
        fullBackup("/first");
        long captured = deltaBackup("/second");
        Keyspace expected = Keyspace.read(source, captured);
        Path dataDir = Files.createDirectories(dir.resolve("empty.etcd"));

        try (RestoredEtcd member = new RestoredEtcd()) {
            AgentProcess.Result result = initialize(dataDir, member);

            assertThat(result.exitCode()).as(result.stderr()).isZero();
            assertThat(result.stdout()).contains("decision=RESTORE", "revision=" + captured, "is empty");
            assertThat(safeguard(dataDir)).contains("\"identity\" : \"" + store + "\"");
            Keyspace actual = Keyspace.read(member.start(etcd.binaries(), dataDir), 0);
            assertThat(actual.revision()).isEqualTo(captured);
            assertThat(actual.keys()).isEqualTo(expected.keys());
        }
    }

    @Test
    void afterARestoreItWritesTheConfigurationFileEtcdStartsWithAndEtcdStartsFromIt() throws Exception {
        long captured = fullBackup("/first");
        Path dataDir = dir.resolve("configured.etcd");
        Path template = Files.writeString(dir.resolve("etcd.conf.yaml.tpl"), "name: ${POD_NAME}\ndata-dir: " + dataDir
                + "\nsnapshot-count: 5000\n");
        Path config = dir.resolve("etcd.conf.yaml");

        try (RestoredEtcd member = new RestoredEtcd()) {
            AgentProcess.Result result = initialize(dataDir, member, "--etcd-config-template", template.toString(),
                    "--etcd-config-out", config.toString());

            assertThat(result.exitCode()).as(result.stderr()).isZero();
            assertThat(result.stdout()).contains("decision=RESTORE", "etcd_config=" + config + " initial_cluster_state=new");
            Map<String, Object> written = new YAMLMapper().readValue(config.toFile(), new TypeReference<Map<String, Object>>() { });
            assertThat(written).containsEntry("name", "restored").containsEntry("data-dir", dataDir.toString())
                    .containsEntry("snapshot-count", 5000).containsEntry("initial-cluster-state", "new")
                    .containsEntry("initial-cluster", "restored=" + member.peerUrl());
            assertThat(dir.resolve("etcd.conf.yaml.part")).doesNotExist();
            assertThat(Keyspace.read(member.start(etcd.binaries(), dataDir), 0).revision()).isEqualTo(captured);
        }
    }

    @Test
    void aRefusedInitializationWritesNoConfigurationFile() throws Exception {
        fullBackup("/first");
        Path dataDir = dir.resolve("other.etcd");
        Path template = Files.writeString(dir.resolve("etcd.conf.yaml.tpl"), "data-dir: " + dataDir + "\n");
        Path config = dir.resolve("etcd.conf.yaml");
        try (RestoredEtcd member = new RestoredEtcd()) {
            AgentProcess.Result fresh = initialize("file://" + Files.createDirectories(dir.resolve("other-store")), dataDir, member);
            assertThat(fresh.exitCode()).as(fresh.stderr()).isZero();

            AgentProcess.Result result = initialize(dataDir, member, "--etcd-config-template", template.toString(),
                    "--etcd-config-out", config.toString());

            assertThat(result.exitCode()).as(result.stdout()).isEqualTo(3);
            assertThat(result.stdout()).doesNotContain("etcd_config=");
            assertThat(config).doesNotExist();
        }
    }

    @Test
    void aValidDataDirNotBehindTheBackupsIsKeptAsItIs() throws Exception {
        fullBackup("/first");
        write("/later", 50); // the member moves ahead of its backups
        Keyspace expected = Keyspace.read(source, 0);
        EtcdProcess member = etcd.member(0);
        member.stop();
        Path dataDir = member.spec().dataDir();
        String before = DataDirs.treeDigest(dataDir);

        List<String> args = new ArrayList<>(List.of("initialize", "--store", store, "--data-dir", dataDir.toString(),
                "--name", member.spec().name(), "--initial-cluster", member.spec().initialCluster(),
                "--initial-advertise-peer-urls", EtcdProcess.peerUrl(member.spec().peerPort())));
        AgentProcess.Result result = AgentProcess.run(bin, args.toArray(String[]::new));

        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdout()).contains("decision=KEEP", "revision=" + expected.revision(), "not behind the backups");
        Files.delete(dataDir.resolve("etcd-backup-agent.safeguard")); // the one file initialize adds
        assertThat(DataDirs.treeDigest(dataDir)).isEqualTo(before);
        try (EtcdProcess restarted = EtcdProcess.start(member.spec()).awaitHealthy(Duration.ofSeconds(60));
             Client client = Client.builder().endpoints(restarted.clientUrl().toString()).build()) {
            assertThat(Keyspace.read(client, 0)).isEqualTo(expected);
        }
    }

    @Test
    void aDataDirBehindTheBackupsIsReplacedByTheLatestBackup() throws Exception {
        long old = fullBackup("/first");
        Path dataDir = restoredDataDir("behind.etcd"); // a valid data dir at the first backup's revision
        long captured = deltaBackup("/second");
        assertThat(captured).isGreaterThan(old);

        try (RestoredEtcd member = new RestoredEtcd()) {
            AgentProcess.Result result = initialize(dataDir, member, "--mode", "sanity");

            assertThat(result.exitCode()).as(result.stderr()).isZero();
            assertThat(result.stdout()).contains("decision=RESTORE", "revision " + old, "behind the backups", "revision=" + captured);
            assertThat(dir.resolve("behind.etcd.part")).doesNotExist();
            assertThat(dir.resolve("behind.etcd.previous")).doesNotExist();
            Keyspace actual = Keyspace.read(member.start(etcd.binaries(), dataDir), 0);
            assertThat(actual.revision()).isEqualTo(captured);
            assertThat(actual.keys()).isEqualTo(Keyspace.read(source, captured).keys());
        }
    }

    @Test
    void aDataDirWithACorruptDatabaseIsReplacedByTheLatestBackup() throws Exception {
        long captured = fullBackup("/first");
        Path dataDir = restoredDataDir("corrupt.etcd");
        zero(dataDir.resolve("member/snap/db"), 0, 8192); // both bbolt meta pages

        try (RestoredEtcd member = new RestoredEtcd()) {
            AgentProcess.Result result = initialize(dataDir, member);

            assertThat(result.exitCode()).as(result.stderr()).isZero();
            assertThat(result.stdout()).contains("decision=RESTORE", "member/snap/db is unreadable", "revision=" + captured);
            Keyspace actual = Keyspace.read(member.start(etcd.binaries(), dataDir), 0);
            assertThat(actual.keys()).isEqualTo(Keyspace.read(source, captured).keys());
        }
    }

    @Test
    void withoutBackupsTheDataDirIsLeftEmptyAndEtcdStartsANewCluster() throws Exception {
        Path dataDir = dir.resolve("new.etcd");

        try (RestoredEtcd member = new RestoredEtcd()) {
            AgentProcess.Result result = initialize(dataDir, member);

            assertThat(result.exitCode()).as(result.stderr()).isZero();
            assertThat(result.stdout()).contains("decision=FRESH", "holds no backups", "revision=none");
            try (var entries = Files.list(dataDir)) {
                assertThat(entries.map(p -> p.getFileName().toString())).containsExactly("etcd-backup-agent.safeguard");
            }
            Client client = member.start(etcd.binaries(), dataDir);
            Keyspace fresh = Keyspace.read(client, 0);
            assertThat(fresh.keys()).isEmpty();
            assertThat(fresh.revision()).isEqualTo(1);
        }
    }

    @Test
    void aVolumeOfAnotherClusterIsRefusedAndLeftUntouched() throws Exception {
        fullBackup("/first");
        // Cluster B starts fresh from its own, empty store and writes some data...
        Path otherStoreDir = Files.createDirectories(dir.resolve("other-store"));
        String otherStore = "file://" + otherStoreDir;
        Path dataDir = dir.resolve("other.etcd");
        try (RestoredEtcd member = new RestoredEtcd()) {
            AgentProcess.Result fresh = initialize(otherStore, dataDir, member);
            assertThat(fresh.exitCode()).as(fresh.stderr()).isZero();
            Client client = member.start(etcd.binaries(), dataDir);
            client.getKVClient().put(Workload.bytes("/cluster-b/key"), Workload.bytes("b")).get();
        }
        String before = DataDirs.treeDigest(dataDir);

        // ...and its volume is then mounted where this cluster's member initializes.
        try (RestoredEtcd member = new RestoredEtcd()) {
            AgentProcess.Result result = initialize(dataDir, member);

            assertThat(result.exitCode()).as(result.stdout()).isEqualTo(3);
            String error = result.stderr().lines().filter(l -> l.startsWith("error: ")).findFirst().orElse("");
            assertThat(error).startsWith("error: refused: wrong volume").contains(otherStore, store);
            assertThat(DataDirs.treeDigest(dataDir)).isEqualTo(before);
            Client client = member.start(etcd.binaries(), dataDir);
            assertThat(client.getKVClient().get(Workload.bytes("/cluster-b/key")).get().getKvs()).hasSize(1);
        }
    }

    @Test
    void aFailedRestoreLeavesTheOldDataDirAsItWas() throws Exception {
        fullBackup("/first");
        Path dataDir = restoredDataDir("doomed.etcd");
        zero(dataDir.resolve("member/snap/db"), 0, 8192);
        String before = DataDirs.treeDigest(dataDir);
        String fullKey;
        try (ObjectStore objects = LocalStoreProvider.at(storeDir)) {
            Generation generation = new Catalog(objects).latestRestorable().orElseThrow();
            fullKey = generation.latestFull().orElseThrow().key();
        }
        Path object = storeDir.resolve(fullKey);
        byte[] bytes = Files.readAllBytes(object);
        bytes[bytes.length / 2] ^= 0x5a;
        Files.write(object, bytes);

        try (RestoredEtcd member = new RestoredEtcd()) {
            AgentProcess.Result result = initialize(dataDir, member);

            assertThat(result.exitCode()).as(result.stdout()).isEqualTo(1);
            String error = result.stderr().lines().filter(l -> l.startsWith("error: ")).findFirst().orElse("");
            assertThat(error).startsWith("error: restore failed").contains(fullKey, "left as it was");
            assertThat(DataDirs.treeDigest(dataDir)).isEqualTo(before);
            assertThat(dir.resolve("doomed.etcd.part")).doesNotExist();
        }
    }

    private static void zero(Path file, long offset, int length) throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(offset);
            f.write(new byte[length]);
        }
    }
}
