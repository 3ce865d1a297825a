package io.etcdbackup.restore;

import io.etcdbackup.snapshot.EtcdBackupException;
import io.etcdbackup.snapshot.etcd.EtcdBinaries;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * etcd's own offline tools: {@code snapshot restore} turns a snapshot file into a data directory
 * ({@code etcdutl} on 3.5+, {@code etcdctl} on 3.4, which also verifies the snapshot's hash), and
 * {@code snapshot save} streams a running member's database into a file.
 */
final class EtcdTool {

    private final EtcdBinaries binaries;

    EtcdTool(EtcdBinaries binaries) {
        this.binaries = binaries;
    }

    /**
     * Runs {@code snapshot restore} of {@code snapshotFile} into {@code dataDir} (which must not
     * exist); the tool's output goes to {@code log}.
     */
    void restore(Path snapshotFile, Path dataDir, String name, String initialCluster, String peerUrls, String token, Path log)
            throws IOException {
        List<String> command = new ArrayList<>();
        command.add(binaries.etcdutl().orElse(binaries.etcdctl()).toString());
        command.addAll(List.of("snapshot", "restore", snapshotFile.toString(),
                "--data-dir=" + dataDir,
                "--name=" + name,
                "--initial-cluster=" + initialCluster,
                "--initial-advertise-peer-urls=" + peerUrls,
                "--initial-cluster-token=" + token));
        run(command, log);
    }

    /** Saves the database of the member at {@code endpoint} into {@code file}. */
    void save(URI endpoint, Path file) throws IOException {
        run(List.of(binaries.etcdctl().toString(), "--endpoints=" + endpoint, "snapshot", "save", file.toString()),
                file.resolveSibling(file.getFileName() + ".save.log"));
    }

    private static void run(List<String> command, Path log) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("ETCDCTL_API", "3");
        Process process = builder.start();
        try {
            if (!process.waitFor(60, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new EtcdBackupException(String.join(" ", command.subList(0, 3)) + " did not finish in 60 minutes");
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + command.get(0), e);
        }
        if (process.exitValue() != 0) {
            String output = Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8).strip() : "";
            throw new EtcdBackupException(command.get(0) + " " + command.get(1) + " " + command.get(2) + " failed (exit "
                    + process.exitValue() + "): " + lastLines(output));
        }
    }

    private static String lastLines(String output) {
        String[] lines = output.split("\n");
        return String.join("\n", java.util.Arrays.copyOfRange(lines, Math.max(0, lines.length - 5), lines.length));
    }
}
