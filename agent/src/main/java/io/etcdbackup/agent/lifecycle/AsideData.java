package io.etcdbackup.agent.lifecycle;

import io.etcdbackup.restore.init.Safeguard;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A member's data dir moved aside while the member rejoins its cluster: {@code <data-dir>.rejoin},
 * next to it on the same volume. It is kept until the member votes again, then deleted, so a
 * failed rejoin never costs the member's old data.
 */
public final class AsideData {

    private final Path dataDir;
    private final Path aside;

    public AsideData(Path dataDir) {
        this.dataDir = dataDir.toAbsolutePath().normalize();
        this.aside = this.dataDir.resolveSibling(this.dataDir.getFileName() + ".rejoin");
    }

    /** Where the old data goes. */
    public Path location() {
        return aside;
    }

    /** Whether old data is kept aside. */
    public boolean exists() {
        return Files.exists(aside);
    }

    /**
     * Leaves the data dir empty (or missing). Data in it is moved aside, unless older data is aside
     * already: then what is in the data dir now came from the failed attempt after that and is
     * deleted, and the older data stays.
     *
     * @return true when something was moved or deleted
     */
    public boolean moveAside() throws IOException {
        if (!Files.isDirectory(dataDir) || isEmpty(dataDir)) {
            return false;
        }
        if (exists()) {
            deleteTree(dataDir);
            return true;
        }
        Files.move(dataDir, aside, StandardCopyOption.ATOMIC_MOVE);
        return true;
    }

    /** Deletes the data kept aside; nothing when there is none. */
    public void delete() throws IOException {
        if (exists()) {
            deleteTree(aside);
        }
    }

    /** Nothing but, possibly, the safeguard file. */
    private static boolean isEmpty(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.allMatch(p -> p.getFileName().toString().equals(Safeguard.FILE_NAME));
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
