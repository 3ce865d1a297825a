package io.etcdbackup.restore;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.etcdbackup.snapshot.EtcdBackupException;
import io.etcdbackup.etcdprocess.EtcdBinaries;
import io.etcdbackup.etcdprocess.EtcdProcess;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * etcd's own offline tools: {@code snapshot restore} turns a snapshot file into a data directory
 * ({@code etcdutl} on 3.5+, {@code etcdctl} on 3.4, which also verifies the snapshot's hash),
 * {@code snapshot save} streams a running member's database into a file, and
 * {@code snapshot status} reads a database file.
 */
public final class EtcdTool {

    /** Restores and saves of large databases take long; nothing else bounds them. */
    private static final Duration RESTORE_TIMEOUT = Duration.ofMinutes(60);
    /**
     * {@code snapshot status} of a database a running etcd holds blocks on bbolt's file lock
     * forever; reading even a large database takes well under this.
     */
    private static final Duration STATUS_TIMEOUT = Duration.ofMinutes(10);

    /**
     * What {@code snapshot status} reports about a bbolt database file.
     *
     * @param revision  the highest revision stored in it
     * @param hash      etcd's hash of its contents (CRC-32 over every bucket's keys and values)
     * @param totalKeys keys in all buckets (etcd's own buckets included)
     * @param totalSize the file's size in bytes
     */
    public record DatabaseStatus(long revision, long hash, long totalKeys, long totalSize) {
    }

    private static final ObjectMapper JSON = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final EtcdBinaries binaries;

    public EtcdTool(EtcdBinaries binaries) {
        this.binaries = binaries;
    }

    /**
     * Reads {@code database} (a data directory's {@code member/snap/db}, or a snapshot file) with
     * {@code snapshot status}: bbolt opens it read-only and walks every bucket, key and value to
     * compute the hash, so a file whose meta pages or page tree are damaged fails. bbolt keeps no
     * checksum per page: a flipped bit inside a value is not detected. Nothing is written.
     *
     * @throws UnreadableDatabaseException when the tool ran and could not read the file
     * @throws IOException                 when the tool could not be run, did not finish within 10
     *                                     minutes (etcd holding the file locks it), or the thread
     *                                     was interrupted
     */
    public DatabaseStatus status(Path database) throws IOException {
        List<String> command = List.of(offlineTool().toString(), "snapshot", "status", database.toString(), "--write-out=json");
        // A file, not a pipe: a damaged database makes the tool print a Go panic's long stack trace.
        Path output = Files.createTempFile("etcd-snapshot-status", ".log");
        String text;
        Process process;
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
            builder.environment().put("ETCDCTL_API", "3");
            process = builder.start();
            await(process, command, STATUS_TIMEOUT);
            text = Files.readString(output, StandardCharsets.UTF_8).strip();
        } finally {
            Files.deleteIfExists(output);
        }
        if (process.exitValue() != 0) {
            throw new UnreadableDatabaseException(database, explanation(text));
        }
        try {
            JsonNode status = JSON.readTree(text.substring(Math.max(0, text.lastIndexOf('{'))));
            return new DatabaseStatus(status.path("revision").asLong(), status.path("hash").asLong(),
                    status.path("totalKey").asLong(), status.path("totalSize").asLong());
        } catch (com.fasterxml.jackson.core.JacksonException | RuntimeException e) {
            throw new IOException(command.get(0) + " snapshot status printed no status for " + database + ": " + lastLines(text), e);
        }
    }

    /**
     * Runs {@code snapshot restore} of {@code snapshotFile} into {@code dataDir} (which must not
     * exist); the tool's output goes to {@code log}.
     */
    void restore(Path snapshotFile, Path dataDir, String name, String initialCluster, String peerUrls, String token, Path log)
            throws IOException {
        restore(snapshotFile, dataDir, name, initialCluster, peerUrls, token, 0, false, log);
    }

    /**
     * As {@link #restore(Path, Path, String, String, String, String, Path)}, raising the revision
     * by {@code bumpRevision} and marking the raised revisions compacted if asked.
     *
     * @throws EtcdBackupException if a bump is asked of a tool older than etcdutl 3.5.8
     */
    void restore(Path snapshotFile, Path dataDir, String name, String initialCluster, String peerUrls, String token,
                 long bumpRevision, boolean markCompacted, Path log) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(offlineTool().toString());
        command.addAll(List.of("snapshot", "restore", snapshotFile.toString(),
                "--data-dir=" + dataDir,
                "--name=" + name,
                "--initial-cluster=" + initialCluster,
                "--initial-advertise-peer-urls=" + peerUrls,
                "--initial-cluster-token=" + token));
        if (bumpRevision > 0) {
            requireBumpRevision();
            command.add("--bump-revision=" + bumpRevision);
            if (markCompacted) {
                command.add("--mark-compacted");
            }
        }
        run(command, log, RESTORE_TIMEOUT);
    }

    /** @throws EtcdBackupException naming the version found, unless the tool can bump revisions */
    void requireBumpRevision() {
        if (!binaries.supportsBumpRevision()) {
            throw new EtcdBackupException("--bump-revision and --mark-compacted need etcdutl 3.5.8 or later; found etcd "
                    + binaries.version() + (binaries.etcdutl().isEmpty() ? " without etcdutl" : ""));
        }
    }

    /** Saves the database of the member at {@code endpoint} into {@code file}. */
    void save(URI endpoint, Path file) throws IOException {
        run(List.of(binaries.etcdctl().toString(), "--endpoints=" + endpoint, "snapshot", "save", file.toString()),
                file.resolveSibling(file.getFileName() + ".save.log"), RESTORE_TIMEOUT);
    }

    /** The offline tool: {@code etcdutl} on 3.5+ ({@code etcdctl}'s snapshot commands are deprecated there), else {@code etcdctl}. */
    private Path offlineTool() {
        return binaries.etcdutl().orElse(binaries.etcdctl());
    }

    private static void run(List<String> command, Path log, Duration timeout) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("ETCDCTL_API", "3");
        Process process = builder.start();
        try {
            await(process, command, timeout);
        } catch (java.io.InterruptedIOException e) {
            throw e;
        } catch (IOException e) {
            throw new EtcdBackupException(e.getMessage(), e);
        }
        if (process.exitValue() != 0) {
            String output = Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8).strip() : "";
            throw new EtcdBackupException(command.get(0) + " " + command.get(1) + " " + command.get(2) + " failed (exit "
                    + process.exitValue() + "): " + lastLines(output));
        }
    }

    /** Waits for {@code process}; kills it and throws when the time is up or the thread is interrupted. */
    private static void await(Process process, List<String> command, Duration timeout) throws IOException {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IOException(String.join(" ", command.subList(0, 3)) + " did not finish in " + timeout.toMinutes() + " minutes");
            }
        } catch (InterruptedException e) {
            EtcdProcess.killAndAwait(process);
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while running " + command.get(0));
        }
    }

    /** The line that says why a tool failed: a Go panic or fatal error, an {@code Error:} line, else the last lines. */
    private static String explanation(String output) {
        for (String line : output.split("\n")) {
            String l = line.strip();
            if (l.startsWith("panic:") || l.startsWith("fatal error:") || l.startsWith("Error:")) {
                return l;
            }
        }
        return lastLines(output).replace('\n', ' ');
    }

    private static String lastLines(String output) {
        String[] lines = output.split("\n");
        return String.join("\n", java.util.Arrays.copyOfRange(lines, Math.max(0, lines.length - 5), lines.length));
    }
}
