package io.etcdbackup.agent.it;

import io.etcdbackup.snapshot.testing.EtcdClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A full disk, for real: the local store, or the restore's scratch dir, on a small tmpfs mounted
 * by the test (needs root). The command fails naming what it was writing, where, and the system's
 * "No space left on device", and leaves the previous state as it was: the catalog readable and
 * restorable, the old data dir.
 */
class DiskFullIT {

    /** Incompressible values: a full snapshot of about 12 MiB. */
    private static final int VALUES = 60;

    @RegisterExtension
    final EtcdClusterExtension etcd = EtcdClusterExtension.members(1);

    @TempDir
    Path dir;

    @Test
    void aFullSnapshotThatDoesNotFitFailsNamingTheCauseAndTheCatalogStaysAsItWas() throws Exception {
        Path bin = etcd.binaries().etcd().getParent();
        Path storeDir = dir.resolve("store");
        try (Tmpfs small = Tmpfs.mount(storeDir, "6m")) {
            String store = "file://" + storeDir;
            new Workload(etcd.client(), 31).run(50, false);
            ok(AgentProcess.run(bin, "snapshot", "full", "--endpoints", etcd.endpoints(), "--store", store));
            long before = Keyspace.read(etcd.client(), 0).revision();
            Workload.putIncompressible(etcd.client(), "/large/", VALUES, 3);

            AgentProcess.Result full = AgentProcess.run(bin, "snapshot", "full", "--endpoints", etcd.endpoints(), "--store", store);
            assertThat(full.exitCode()).as(full.stdout()).isEqualTo(1);
            assertThat(full.stderr()).contains("error: writing 'eba-v1/").contains("in " + store + " failed: No space left on device");
            assertThat(incomingFiles(storeDir)).as("the partial object is discarded").isEmpty();

            AgentProcess.Result verify = ok(AgentProcess.run(bin, "catalog", "verify", "--store", store));
            assertThat(verify.stdout()).contains("1 checked", "0 failed");
            assertThat(CliRoundTrip.restoreLatestAndCompare(etcd, store, Files.createDirectories(dir.resolve("restore")))).isEqualTo(before);
        }
    }

    @Test
    void aRestoreWhoseScratchDirFillsUpFailsNamingTheCauseAndLeavesTheOldDataDir() throws Exception {
        Path bin = etcd.binaries().etcd().getParent();
        String store = "file://" + dir.resolve("store");
        Workload.putIncompressible(etcd.client(), "/large/", VALUES, 3);
        ok(AgentProcess.run(bin, "snapshot", "full", "--endpoints", etcd.endpoints(), "--store", store));
        Path dataDir = dir.resolve("member.etcd");
        Path old = Files.createDirectories(dataDir.resolve("member")).resolve("old-data");
        Files.writeString(old, "the member's previous data");
        Path scratch = dir.resolve("scratch");
        try (Tmpfs small = Tmpfs.mount(scratch, "6m")) {
            AgentProcess.Result restore = AgentProcess.run(bin, "restore", "--store", store, "--data-dir", dataDir.toString(),
                    "--replace-existing", "--scratch-dir", scratch.toString());
            assertThat(restore.exitCode()).as(restore.stdout()).isEqualTo(1);
            assertThat(restore.stderr()).contains("error: writing " + scratch).contains("failed: No space left on device");
        }
        assertThat(Files.readString(old)).isEqualTo("the member's previous data");
        try (Stream<Path> siblings = Files.list(dir)) {
            assertThat(siblings.map(p -> p.getFileName().toString())).as("no half-made data dir").doesNotContain("member.etcd.part");
        }
    }

    private static List<Path> incomingFiles(Path storeDir) throws IOException {
        Path incoming = storeDir.resolve(".incoming");
        if (!Files.isDirectory(incoming)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(incoming)) {
            return files.toList();
        }
    }

    private static AgentProcess.Result ok(AgentProcess.Result result) {
        assertThat(result.exitCode()).as(result.stdout() + result.stderr()).isZero();
        return result;
    }

    /** A tmpfs of a fixed size mounted on a folder for the test's duration. */
    private record Tmpfs(Path at) implements AutoCloseable {

        static Tmpfs mount(Path at, String size) throws Exception {
            Files.createDirectories(at);
            Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", at.toString())
                    .redirectErrorStream(true).start();
            String output = new String(mount.getInputStream().readAllBytes());
            assumeTrue(mount.waitFor() == 0, "mounting a tmpfs needs root: " + output);
            return new Tmpfs(at);
        }

        @Override
        public void close() throws Exception {
            Process umount = new ProcessBuilder("umount", at.toString()).redirectErrorStream(true).start();
            String output = new String(umount.getInputStream().readAllBytes());
            if (umount.waitFor() != 0) {
                throw new IOException("umount " + at + " failed: " + output);
            }
        }
    }
}
