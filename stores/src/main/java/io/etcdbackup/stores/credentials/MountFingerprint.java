package io.etcdbackup.stores.credentials;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;

/**
 * The fingerprint by which {@link MountedSecret} and {@link MountedFile} tell that mounted files
 * changed: for each watched file its modification time, size and identity (device and inode,
 * following symlinks), and the target of the {@code ..data} symlink in the directory holding them,
 * which Kubernetes swaps atomically to publish a new version of a secret volume (so a new version
 * is seen even when times and sizes are equal). Two fingerprints are equal only if nothing
 * observable changed; the strings are opaque and never hold file contents.
 */
final class MountFingerprint {

    /** The link that Kubernetes points at a new timestamped directory to publish a new version. */
    static final String KUBERNETES_DATA_LINK = "..data";

    private MountFingerprint() {
    }

    /**
     * The fingerprint of one file (and of the {@code ..data} link next to it).
     *
     * @param what what the file is for, in messages
     * @param kind what sort of file it is, in messages (e.g. {@code "JSON file"})
     * @throws IOException naming the file if it does not exist or is not a regular file
     */
    static String ofFile(String what, Path file, String kind) throws IOException {
        StringBuilder b = dataLink(file.toAbsolutePath().getParent());
        if (!Files.isRegularFile(file)) {
            throw new IOException(what + ": the " + kind + " '" + file + "' does not exist or is not a regular file");
        }
        return b.append(stat(file)).toString();
    }

    /**
     * The fingerprint of the named files in a directory (absent ones included, so a file that
     * appears later is a change) and of its {@code ..data} link.
     *
     * @throws IOException naming the directory if it does not exist or is not a directory
     */
    static String ofDirectory(String what, Path dir, List<String> names) throws IOException {
        StringBuilder b = dataLink(dir);
        if (!Files.isDirectory(dir)) {
            throw new IOException(what + ": the directory '" + dir + "' does not exist or is not a directory");
        }
        for (String name : names) {
            b.append(name).append('=').append(stat(dir.resolve(name))).append(';');
        }
        return b.toString();
    }

    private static StringBuilder dataLink(Path dir) throws IOException {
        StringBuilder b = new StringBuilder();
        if (dir != null) {
            Path data = dir.resolve(KUBERNETES_DATA_LINK);
            if (Files.isSymbolicLink(data)) {
                b.append(KUBERNETES_DATA_LINK).append("->").append(Files.readSymbolicLink(data)).append(';');
            }
        }
        return b;
    }

    /** Modification time, size and identity (device and inode) of a file, following symlinks; "-" if absent. */
    private static String stat(Path file) throws IOException {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            return a.lastModifiedTime() + "/" + a.size() + "/" + a.fileKey();
        } catch (NoSuchFileException e) {
            return "-";
        }
    }
}
