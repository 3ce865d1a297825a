package io.etcdbackup.stores.credentials;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A directory laid out the way the kubelet publishes a secret volume (its {@code AtomicWriter}):
 * the files in a hidden timestamped directory, {@code ..data} a symlink to that directory, and one
 * symlink per key, {@code NAME -> ..data/NAME}. {@link #publish} writes a new version the same way:
 * a new timestamped directory, then a new link renamed over {@code ..data} (the atomic swap), then
 * links for new keys, and the old directory and the links of removed keys deleted.
 */
public final class KubernetesSecretVolume {

    private static final String DATA = MountFingerprint.KUBERNETES_DATA_LINK;
    private static final AtomicInteger VERSIONS = new AtomicInteger();

    private final Path dir;
    private final Set<String> keys = new HashSet<>();

    private KubernetesSecretVolume(Path dir) {
        this.dir = dir;
    }

    /** Creates the volume in {@code dir} (which may exist, empty) with its first version. */
    public static KubernetesSecretVolume create(Path dir, Map<String, String> data) throws IOException {
        Files.createDirectories(dir);
        KubernetesSecretVolume volume = new KubernetesSecretVolume(dir);
        volume.publish(data);
        return volume;
    }

    /** The directory a pod sees (what {@code *_APPLICATION_CREDENTIALS} names). */
    public Path dir() {
        return dir;
    }

    /** Publishes a new version of the secret, as the kubelet does when the Secret object changes. */
    public void publish(Map<String, String> data) throws IOException {
        publish(data, null);
    }

    /**
     * Publishes a new version whose files all carry the modification time {@code modified}: with
     * the same time and sizes as the previous version, only the swap itself shows the change.
     */
    public void publish(Map<String, String> data, Instant modified) throws IOException {
        Path version = dir.resolve("..2026_01_01_00_00_00." + VERSIONS.incrementAndGet());
        Files.createDirectory(version);
        for (Map.Entry<String, String> entry : data.entrySet()) {
            Path file = Files.writeString(version.resolve(entry.getKey()), entry.getValue());
            if (modified != null) {
                Files.setLastModifiedTime(file, FileTime.from(modified));
            }
        }
        Path link = dir.resolve(DATA);
        Path previous = Files.isSymbolicLink(link) ? dir.resolve(Files.readSymbolicLink(link)) : null;
        Path newLink = dir.resolve("..data_tmp");
        Files.createSymbolicLink(newLink, version.getFileName());
        Files.move(newLink, link, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        for (String key : data.keySet()) {
            if (keys.add(key)) {
                Files.createSymbolicLink(dir.resolve(key), Path.of(DATA, key));
            }
        }
        for (String gone : Set.copyOf(keys)) {
            if (!data.containsKey(gone)) {
                Files.delete(dir.resolve(gone));
                keys.remove(gone);
            }
        }
        if (previous != null) {
            deleteTree(previous);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.delete(path);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
