package io.etcdbackup.etcdprocess;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The directory trees etcd leaves behind (data directories, scratch and work folders): removing
 * them, and making them durable.
 */
public final class DirectoryTrees {

    private DirectoryTrees() {
    }

    /** Deletes {@code root} and everything under it; nothing happens if it does not exist. */
    public static void delete(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(path);
            }
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause(); // the walk reports its failures unchecked
        }
    }

    /**
     * Deletes the entries of {@code root} whose names match {@code glob} (e.g. {@code compact-*}),
     * each with everything under it: what a process killed in the middle of its work left in a
     * scratch directory. Nothing happens if {@code root} does not exist.
     *
     * @return what was deleted
     * @throws IOException the first entry that could not be deleted (after trying the others)
     */
    public static List<Path> deleteMatching(Path root, String glob) throws IOException {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        List<Path> deleted = new ArrayList<>();
        IOException failed = null;
        try (DirectoryStream<Path> matching = Files.newDirectoryStream(root, glob)) {
            for (Path path : matching) {
                try {
                    delete(path);
                    deleted.add(path);
                } catch (IOException e) {
                    // go on with the others; the first failure is thrown at the end, the rest suppressed in it
                    if (failed == null) {
                        failed = e;
                    } else {
                        failed.addSuppressed(e);
                    }
                }
            }
        } catch (java.nio.file.DirectoryIteratorException e) {
            throw e.getCause();
        }
        if (failed != null) {
            throw failed;
        }
        return deleted;
    }

    /**
     * Forces every regular file under {@code root} and then every directory (deepest first, so a
     * directory's entries are durable before it is) to stable storage, so a crash or power loss
     * after this returns cannot lose or truncate any of it. Used on a data directory written by a
     * server that ran without fsync, before it is made visible.
     */
    public static void sync(Path root) throws IOException {
        List<Path> paths;
        try (Stream<Path> walk = Files.walk(root)) {
            paths = walk.sorted(Comparator.reverseOrder()).toList();
        }
        for (Path path : paths) {
            if (Files.isRegularFile(path)) {
                force(path, StandardOpenOption.WRITE);
            }
        }
        for (Path path : paths) {
            if (Files.isDirectory(path)) {
                syncDirectory(path);
            }
        }
    }

    /** Forces {@code directory}'s entries (a rename into or out of it) to stable storage. */
    public static void syncDirectory(Path directory) throws IOException {
        force(directory, StandardOpenOption.READ);
    }

    private static void force(Path path, StandardOpenOption mode) throws IOException {
        try (FileChannel channel = FileChannel.open(path, mode)) {
            channel.force(true);
        }
    }
}
