package io.etcdbackup.agent.it;

import io.etcdbackup.snapshot.testing.EtcdClusterExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A restore replays at full speed and still leaves a durable member: on etcd 3.5 the scratch
 * server never fsyncs (its WAL fsync counter stays 0), the finished directory is synced before the
 * swap, and a restore killed right after the swap leaves a data directory etcd starts on, at the
 * restored revision.
 */
class RestoreDurabilityIT {

    private static final Pattern WAL_FSYNCS = Pattern.compile("scratch_wal_fsyncs=(-?\\d+)");

    @RegisterExtension
    final EtcdClusterExtension etcd = EtcdClusterExtension.members(1);

    @TempDir
    Path dir;

    private Path bin;
    private String store;
    private long captured;

    @BeforeEach
    void backUpAFullSnapshotAndDeltas() throws Exception {
        bin = etcd.binaries().etcd().getParent();
        store = "file://" + dir.resolve("store");
        AgentProcess.Result full = AgentProcess.run(bin, "snapshot", "full", "--endpoints", etcd.endpoints(), "--store", store);
        assertThat(full.exitCode()).as(full.stderr()).isZero();
        new Workload(etcd.client(), 11).run(500, false);
        AgentProcess.Result delta = AgentProcess.run(bin, "snapshot", "delta", "--endpoints", etcd.endpoints(), "--store", store);
        assertThat(delta.exitCode()).as(delta.stderr()).isZero();
        captured = BackupAndRestoreIT.lastRevision(dir.resolve("store"));
    }

    @Test
    void theScratchServerReplaysWithoutFsyncOnEtcd35AndWithItOn34() throws Exception {
        AgentProcess.Result restored = AgentProcess.run(bin, "restore", "--store", store, "--data-dir", dir.resolve("member").toString(),
                "--no-tmpfs-scratch");
        assertThat(restored.exitCode()).as(restored.stderr()).isZero();
        Matcher fsyncs = WAL_FSYNCS.matcher(restored.stdout());
        assertThat(fsyncs.find()).as("the restore reports the scratch server's WAL fsyncs: %s", restored.stdout()).isTrue();
        long count = Long.parseLong(fsyncs.group(1));
        if (etcd.binaries().supportsUnsafeNoFsync()) {
            assertThat(count).as("WAL fsyncs of the scratch etcd %s", etcd.binaries().version()).isZero();
        } else {
            assertThat(count).as("etcd %s cannot skip fsync: the counter shows them", etcd.binaries().version()).isPositive();
        }
    }

    @Test
    void onEtcd34TheReplayGoesToDevShmWhenItIsARoomyTmpfs() throws Exception {
        AgentProcess.Result restored = AgentProcess.run(bin, "restore", "--store", store, "--data-dir", dir.resolve("member").toString());
        assertThat(restored.exitCode()).as(restored.stderr()).isZero();
        if (etcd.binaries().supportsUnsafeNoFsync()) {
            assertThat(restored.stderr()).as("etcd %s replays without fsync wherever it is", etcd.binaries().version())
                    .doesNotContain("scratch on tmpfs");
        } else {
            assertThat(Files.getFileStore(Path.of("/dev/shm")).type()).as("this machine's /dev/shm").isEqualTo("tmpfs");
            assertThat(restored.stderr()).contains("scratch on tmpfs dir=/dev/shm/etcd-backup-agent-scratch");
        }
    }

    @Test
    void aRestoreKilledRightAfterTheSwapLeavesAMemberAtTheRestoredRevision() throws Exception {
        Path dataDir = dir.resolve("member.etcd");
        // An old data dir of many small files: removing it after the swap keeps the restore busy, so
        // the kill lands between the swap and the end of the process.
        Files.createDirectories(dataDir.resolve("old"));
        for (int i = 0; i < 20_000; i++) {
            Files.writeString(dataDir.resolve("old/" + i), "old");
        }
        RestoredEtcd member = new RestoredEtcd();
        List<String> restore = new ArrayList<>(List.of("restore", "--store", store, "--data-dir", dataDir.toString(), "--replace-existing"));
        restore.addAll(member.restoreFlags());
        Path log = dir.resolve("killed-restore.log");
        ProcessBuilder builder = AgentProcess.builder(List.of(), restore.toArray(String[]::new));
        builder.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        builder.redirectErrorStream(true).redirectOutput(log.toFile());
        Process killed = builder.start();
        boolean aliveAfterSwap;
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!Files.exists(dataDir.resolve("member/snap/db"))) {
                assertThat(killed.isAlive()).as("restore still running: %s", Files.exists(log) ? Files.readString(log) : "").isTrue();
                assertThat(System.nanoTime()).as("the swap happens in time").isLessThan(deadline);
                Thread.onSpinWait();
            }
            aliveAfterSwap = killed.isAlive();
        } finally {
            AgentProcess.kill(killed);
        }
        assertThat(aliveAfterSwap).as("killed after the swap, before the restore ended: %s", Files.readString(log)).isTrue();
        assertThat(dataDir.resolveSibling("member.etcd.part")).as("nothing half-built left").doesNotExist();

        try (member) {
            assertThat(Keyspace.read(member.start(etcd.binaries(), dataDir), 0).revision()).isEqualTo(captured);
        }
    }
}
