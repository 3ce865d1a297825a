package io.etcdbackup.agent.it;

import io.etcd.jetcd.Client;
import io.etcdbackup.snapshot.testing.EtcdClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.etcdbackup.stores.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A restore killed with SIGKILL in the middle of replay (the node lost power, the init container
 * was OOM-killed) leaves the previous data directory byte for byte as it was, and running the
 * same restore again completes.
 */
class RestoreKilledMidwayIT {

    @RegisterExtension
    final EtcdClusterExtension etcd = EtcdClusterExtension.members(1);

    @TempDir
    Path dir;

    @Test
    void aKilledRestoreLeavesThePreviousDataDirAndCanBeRunAgain() throws Exception {
        Path storeDir = dir.resolve("store");
        String store = "file://" + storeDir;
        Path bin = etcd.binaries().etcd().getParent();
        Client source = etcd.client();
        AgentProcess.Result full = AgentProcess.run(bin, "snapshot", "full", "--endpoints", etcd.endpoints(), "--store", store);
        assertThat(full.exitCode()).as(full.stderr()).isZero();
        // Enough revisions after the full snapshot that replay takes a few seconds.
        new Workload(source, 5).run(2500, false);
        AgentProcess.Result delta = AgentProcess.run(bin, "snapshot", "delta", "--endpoints", etcd.endpoints(), "--store", store);
        assertThat(delta.exitCode()).as(delta.stderr()).isZero();
        long captured = BackupAndRestoreIT.lastRevision(storeDir);

        RestoredEtcd membership = new RestoredEtcd();
        Path dataDir = dir.resolve("member.etcd");
        List<String> restore = new ArrayList<>(List.of("restore", "--store", store, "--data-dir", dataDir.toString(),
                "--replace-existing", "--revision", Long.toString(captured - 2000)));
        restore.addAll(membership.restoreFlags());
        AgentProcess.Result first = AgentProcess.run(bin, restore.toArray(String[]::new));
        assertThat(first.exitCode()).as(first.stderr()).isZero();
        String before = DataDirs.treeDigest(dataDir);

        // Now the latest state, killed once replay has begun.
        List<String> latest = new ArrayList<>(List.of("restore", "--store", store, "--data-dir", dataDir.toString(), "--replace-existing"));
        latest.addAll(membership.restoreFlags());
        Path log = dir.resolve("killed-restore.log");
        ProcessBuilder builder = AgentProcess.builder(List.of(), latest.toArray(String[]::new));
        builder.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        builder.redirectErrorStream(true).redirectOutput(log.toFile());
        Process killed = builder.start();
        boolean aliveMidway;
        try {
            await("replay started", Duration.ofSeconds(120), () -> {
                if (Files.exists(log) && Files.readString(log).contains("replay started")) {
                    return true;
                }
                assertThat(killed.isAlive()).as("restore still running: %s", Files.exists(log) ? Files.readString(log) : "").isTrue();
                return false;
            });
            Thread.sleep(300);
            aliveMidway = killed.isAlive();
        } finally {
            AgentProcess.kill(killed); // with its scratch etcd, as when the container dies
        }
        assertThat(aliveMidway).as("killed midway, not after the end").isTrue();

        assertThat(DataDirs.treeDigest(dataDir)).as("the previous data dir, untouched").isEqualTo(before);

        AgentProcess.Result again = AgentProcess.run(bin, latest.toArray(String[]::new));
        assertThat(again.exitCode()).as(again.stderr()).isZero();
        assertThat(again.stdout()).contains("revision=" + captured);
        try (membership) {
            assertThat(Keyspace.read(membership.start(etcd.binaries(), dataDir), 0).revision()).isEqualTo(captured);
        }
    }
}
