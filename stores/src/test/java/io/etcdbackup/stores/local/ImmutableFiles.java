package io.etcdbackup.stores.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Real locks on a local store for tests: the immutable attribute ({@code chattr +i}), which makes
 * the kernel refuse to delete or replace a file, even for root, until it is lifted. Needs root
 * (CAP_LINUX_IMMUTABLE), e2fsprogs' {@code chattr}, and a file system with the attribute (ext4,
 * xfs, btrfs); {@link #supportedIn(Path)} tells a test whether to run.
 */
public final class ImmutableFiles {

    private ImmutableFiles() {
    }

    /** Whether files in {@code folder} can be made immutable here. */
    public static boolean supportedIn(Path folder) {
        try {
            Path probe = Files.createTempFile(folder, "immutable-probe", "");
            try {
                lock(probe);
                boolean refused;
                try {
                    Files.delete(probe);
                    refused = false;
                } catch (IOException expected) {
                    refused = true;
                }
                unlock(probe);
                return refused;
            } finally {
                Files.deleteIfExists(probe);
            }
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Makes {@code file} immutable. */
    public static void lock(Path file) throws IOException {
        chattr("+i", file);
    }

    /** Lifts the immutable attribute of {@code file} (no-op when it has none or is gone). */
    public static void unlock(Path file) throws IOException {
        if (Files.exists(file)) {
            chattr("-i", file);
        }
    }

    private static void chattr(String change, Path file) throws IOException {
        Process process = new ProcessBuilder(List.of("chattr", change, file.toString())).redirectErrorStream(true).start();
        try {
            String output = new String(process.getInputStream().readAllBytes());
            if (process.waitFor() != 0) {
                throw new IOException("chattr " + change + " " + file + " failed: " + output.strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted running chattr", e);
        }
    }
}
