package io.etcdbackup.etcdprocess;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The etcd executables the agent runs as child processes: {@code etcd} (scratch servers for
 * replay and compaction), and the tool that turns a snapshot file into a data directory:
 * {@code etcdutl} on 3.5+, {@code etcdctl} on 3.4.
 *
 * @param etcd    the server binary
 * @param etcdctl the client tool
 * @param etcdutl the offline tool of etcd 3.5+, if present
 * @param version the server's version, e.g. {@code 3.4.23}
 */
public record EtcdBinaries(Path etcd, Path etcdctl, Optional<Path> etcdutl, String version) {

    private static final Pattern VERSION = Pattern.compile("etcd Version: (\\d+\\.\\d+\\.\\d+)");

    /**
     * Finds the binaries in {@code directory}, or on the {@code PATH} entries given when the
     * directory is empty.
     *
     * @throws IllegalArgumentException naming where it looked when {@code etcd} or {@code etcdctl}
     *                                  is missing
     */
    public static EtcdBinaries locate(Optional<Path> directory, String pathVariable) {
        List<Path> searched = new ArrayList<>();
        if (directory.isPresent()) {
            searched.add(directory.get());
        } else if (pathVariable != null) {
            for (String entry : pathVariable.split(java.io.File.pathSeparator)) {
                if (!entry.isBlank()) {
                    searched.add(Path.of(entry));
                }
            }
        }
        Path etcd = find("etcd", searched);
        Path etcdctl = find("etcdctl", searched);
        if (etcd == null || etcdctl == null) {
            throw new IllegalArgumentException("etcd binaries not found: need etcd and etcdctl in "
                    + (directory.isPresent() ? "--etcd-bin-dir " + directory.get() : "PATH " + searched)
                    + " (scripts/provision-etcd.sh fetches etcd into .cache/etcd/<version>)");
        }
        return new EtcdBinaries(etcd, etcdctl, Optional.ofNullable(find("etcdutl", searched)), readVersion(etcd));
    }

    /** The major.minor version, e.g. {@code [3, 4]}. */
    public int[] majorMinor() {
        String[] parts = version.split("\\.");
        return new int[] {Integer.parseInt(parts[0]), Integer.parseInt(parts[1])};
    }

    /** Whether the server accepts {@code --unsafe-no-fsync} (3.5+), used to speed up scratch servers. */
    public boolean supportsUnsafeNoFsync() {
        int[] v = majorMinor();
        return v[0] > 3 || v[0] == 3 && v[1] >= 5;
    }

    /**
     * Whether {@code snapshot restore} accepts {@code --bump-revision} and {@code --mark-compacted}:
     * etcdutl 3.5.8 or later.
     */
    public boolean supportsBumpRevision() {
        if (etcdutl.isEmpty()) {
            return false;
        }
        String[] parts = version.split("[.-]");
        int major = Integer.parseInt(parts[0]);
        int minor = Integer.parseInt(parts[1]);
        int patch = parts.length > 2 && parts[2].matches("\\d+") ? Integer.parseInt(parts[2]) : 0;
        return major > 3 || major == 3 && (minor > 5 || minor == 5 && patch >= 8);
    }

    private static Path find(String name, List<Path> directories) {
        for (Path directory : directories) {
            Path candidate = directory.resolve(name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    private static String readVersion(Path etcd) {
        try {
            Process process = new ProcessBuilder(etcd.toString(), "--version").redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
            Matcher matcher = VERSION.matcher(output);
            if (!matcher.find()) {
                throw new IllegalArgumentException("cannot read the version of " + etcd + ": " + output.strip());
            }
            return matcher.group(1);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot run " + etcd + " --version: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading the etcd version", e);
        }
    }
}
