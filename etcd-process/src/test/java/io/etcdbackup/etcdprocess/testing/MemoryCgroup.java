package io.etcdbackup.etcdprocess.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A memory cgroup of its own under this process's, with a limit, as a container runtime gives a
 * container: cgroup v1 ({@code memory.limit_in_bytes}) or v2 ({@code memory.max}). Processes are
 * put in it by {@link #wrap(List)}; the kernel's own counters say whether it killed one for want
 * of memory and how much the group used at most. Creating one needs root and a writable cgroup
 * file system; {@link #create} is empty where there is none, so that callers can skip.
 */
public final class MemoryCgroup implements AutoCloseable {

    private final Path dir;
    private final boolean v1;

    private MemoryCgroup(Path dir, boolean v1) {
        this.dir = dir;
        this.v1 = v1;
    }

    /**
     * A new group {@code name} limited to {@code limitBytes}, empty when no memory cgroup can be
     * created here (no controller, not root, read-only).
     */
    public static Optional<MemoryCgroup> create(String name, long limitBytes) throws IOException {
        String v1Path = null;
        String v2Path = null;
        for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
            String[] parts = line.split(":", 3);
            if (parts[0].equals("0") && parts[1].isEmpty()) {
                v2Path = parts[2];
            } else if (List.of(parts[1].split(",")).contains("memory")) {
                v1Path = parts[2];
            }
        }
        List<Path> v1Candidates = new ArrayList<>();
        List<Path> v2Candidates = new ArrayList<>();
        if (v1Path != null) {
            v1Candidates.add(Path.of("/sys/fs/cgroup/memory" + v1Path));
        }
        if (v2Path != null) {
            v2Candidates.add(Path.of("/sys/fs/cgroup" + v2Path));
            v2Candidates.add(Path.of("/sys/fs/cgroup/unified" + v2Path));
        }
        for (Path parent : v1Candidates) {
            Optional<MemoryCgroup> group = tryCreate(parent.resolve(name), "memory.limit_in_bytes", limitBytes, true);
            if (group.isPresent()) {
                return group;
            }
        }
        for (Path parent : v2Candidates) {
            Optional<MemoryCgroup> group = tryCreate(parent.resolve(name), "memory.max", limitBytes, false);
            if (group.isPresent()) {
                return group;
            }
        }
        return Optional.empty();
    }

    private static Optional<MemoryCgroup> tryCreate(Path dir, String limitFile, long limitBytes, boolean v1) {
        try {
            Files.createDirectories(dir);
            if (Files.exists(dir.resolve(limitFile))) {
                Files.writeString(dir.resolve(limitFile), Long.toString(limitBytes));
                return Optional.of(new MemoryCgroup(dir, v1));
            }
            Files.deleteIfExists(dir);
        } catch (IOException | UnsupportedOperationException e) {
            // not writable here: the caller tries the next
        }
        return Optional.empty();
    }

    /** The group's folder in the cgroup file system. */
    public Path path() {
        return dir;
    }

    /** {@code command} run inside this group: a shell joins it, then execs the command (same pid). */
    public List<String> wrap(List<String> command) {
        List<String> wrapped = new ArrayList<>(List.of("/bin/sh", "-c", "echo $$ > \"$0/cgroup.procs\" && exec \"$@\"", dir.toString()));
        wrapped.addAll(command);
        return wrapped;
    }

    /** How many processes the kernel killed in this group for want of memory. */
    public long oomKills() throws IOException {
        return counter(v1 ? "memory.oom_control" : "memory.events", "oom_kill");
    }

    /** The most memory the group used (v1 {@code memory.max_usage_in_bytes}, v2 {@code memory.peak}), page cache included; empty where the kernel keeps no peak. */
    public Optional<Long> peakBytes() throws IOException {
        Path file = dir.resolve(v1 ? "memory.max_usage_in_bytes" : "memory.peak");
        return Files.exists(file) ? Optional.of(Long.parseLong(Files.readString(file, StandardCharsets.UTF_8).trim())) : Optional.empty();
    }

    private long counter(String file, String name) throws IOException {
        for (String line : Files.readAllLines(dir.resolve(file), StandardCharsets.UTF_8)) {
            String[] parts = line.trim().split("\\s+");
            if (parts.length == 2 && parts[0].equals(name)) {
                return Long.parseLong(parts[1]);
            }
        }
        return 0;
    }

    /** Removes the group; its processes must have exited. */
    @Override
    public void close() throws IOException {
        Files.deleteIfExists(dir);
    }
}
