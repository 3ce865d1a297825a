package io.etcdbackup.stores.local;

import io.etcdbackup.stores.ByteRange;
import io.etcdbackup.stores.NoSuchObjectException;
import io.etcdbackup.stores.ObjectAlreadyExistsException;
import io.etcdbackup.stores.ObjectInfo;
import io.etcdbackup.stores.ObjectIterator;
import io.etcdbackup.stores.ObjectKeys;
import io.etcdbackup.stores.ObjectLockedException;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.ObjectWriter;
import io.etcdbackup.stores.WriteMode;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.util.Optional;
import java.util.Map;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.TreeMap;
import java.nio.ByteBuffer;
import java.util.Locale;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileVisitResult;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * An {@link ObjectStore} in a local directory (or a mounted network filesystem). A key is a
 * relative path under the root. Objects are written to a temp file in {@value #INCOMING}, forced
 * to disk, then renamed into place (and the parent directory forced), so a reader only ever sees
 * complete objects. {@link WriteMode#IF_ABSENT} publishes with a hard link, which fails atomically
 * when the target exists.
 *
 * <p>Quirk of a filesystem: a key cannot also be a folder of other keys ({@code a/b} and
 * {@code a/b/c} cannot both exist); such a write fails with an {@link IOException} naming both.
 * The first segment {@value #INCOMING} is reserved.
 */
final class LocalObjectStore implements ObjectStore {

    static final String INCOMING = ".incoming";

    private final Path root;
    private final Path incoming;

    LocalObjectStore(Path root) throws IOException {
        this.root = root.toAbsolutePath().normalize();
        this.incoming = this.root.resolve(INCOMING);
        Files.createDirectories(incoming);
    }

    @Override
    public ObjectWriter create(String key, WriteMode mode) throws IOException {
        Path target = resolve(key);
        Path temp = incoming.resolve(UUID.randomUUID() + ".part");
        FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        return new LocalWriter(key, target, temp, channel, mode);
    }

    @Override
    public InputStream open(String key) throws IOException {
        Path path = resolve(key);
        try {
            if (Files.isDirectory(path)) {
                throw new NoSuchObjectException(location(), key);
            }
            return Files.newInputStream(path);
        } catch (NoSuchFileException e) {
            throw new NoSuchObjectException(location(), key, e);
        }
    }

    @Override
    public InputStream open(String key, long offset, long length) throws IOException {
        ByteRange requested = ByteRange.of(key, offset, length);
        Path path = resolve(key);
        FileChannel channel;
        try {
            if (Files.isDirectory(path)) {
                throw new NoSuchObjectException(location(), key);
            }
            channel = FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new NoSuchObjectException(location(), key, e);
        }
        ByteRange range = requested.clampTo(channel.size());
        channel.position(range.offset());
        InputStream whole = Channels.newInputStream(channel);
        return new BoundedInputStream(whole, range.length());
    }

    @Override
    public ObjectInfo stat(String key) throws IOException {
        Path path = resolve(key);
        try {
            BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
            if (!attributes.isRegularFile()) {
                throw new NoSuchObjectException(location(), key);
            }
            return new ObjectInfo(key, attributes.size(), attributes.lastModifiedTime().toInstant());
        } catch (NoSuchFileException e) {
            throw new NoSuchObjectException(location(), key, e);
        }
    }

    @Override
    public ObjectIterator list(String prefix) throws IOException {
        // Walk only the deepest folder the prefix fully names; filter the rest by string prefix.
        int slash = prefix.lastIndexOf('/');
        Path start = slash < 0 ? root : root.resolve(prefix.substring(0, slash));
        if (!start.normalize().startsWith(root) || !Files.isDirectory(start)) {
            return ObjectIterator.of(List.of());
        }
        List<ObjectInfo> found = new ArrayList<>();
        // walkFileTree rather than Files.walk: files and folders deleted by concurrent writers
        // while we walk are skipped instead of failing the listing.
        Files.walkFileTree(start, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path directory, BasicFileAttributes attributes) {
                return directory.equals(incoming) ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path path, BasicFileAttributes attributes) {
                String key = root.relativize(path).toString();
                if (attributes.isRegularFile() && key.startsWith(prefix)) {
                    found.add(new ObjectInfo(key, attributes.size(), attributes.lastModifiedTime().toInstant()));
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path path, IOException e) throws IOException {
                if (e instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE; // deleted meanwhile
                }
                throw e;
            }
        });
        found.sort((a, b) -> ObjectKeys.compareUtf8(a.key(), b.key()));
        return ObjectIterator.of(found);
    }

    @Override
    public void delete(String key) throws IOException {
        Path path = resolve(key);
        if (Files.isDirectory(path)) {
            return; // a folder of other keys is not an object
        }
        try {
            Files.deleteIfExists(path);
        } catch (AccessDeniedException e) {
            // a folder the agent may not write to: the object stays, as with a bucket policy denying deletion
            throw new ObjectLockedException(location(), key, "permission denied: " + e.getMessage(), Optional.empty(), e);
        } catch (FileSystemException e) {
            if ("Operation not permitted".equals(e.getReason())) {
                // EPERM: the file is immutable (`chattr +i`), what a locked object is on a disk
                throw new ObjectLockedException(location(), key, "operation not permitted (immutable file)", Optional.empty(), e);
            }
            throw e;
        }
        pruneEmptyFolders(path.getParent());
    }

    /**
     * The file's {@code user.*} extended attributes, without the {@code user.} namespace (set with
     * {@code setfattr -n user.x-etcd-snapshot-exclude -v true FILE}); none where the file system
     * has no user attributes.
     */
    @Override
    public Map<String, String> labels(String key) throws IOException {
        Path path = resolve(key);
        if (!Files.isRegularFile(path)) {
            throw new NoSuchObjectException(location(), key);
        }
        var view = Files.getFileAttributeView(path, UserDefinedFileAttributeView.class);
        Map<String, String> labels = new TreeMap<>();
        if (view == null) {
            return labels;
        }
        try {
            for (String name : view.list()) {
                ByteBuffer value = ByteBuffer.allocate(view.size(name));
                view.read(name, value);
                labels.put(name.toLowerCase(Locale.ROOT),
                        new String(value.array(), 0, value.position(), StandardCharsets.UTF_8));
            }
        } catch (FileSystemException e) {
            if (!Files.exists(path)) {
                throw new NoSuchObjectException(location(), key);
            }
            if (!"Operation not supported".equals(e.getReason())) {
                throw e;
            }
        }
        return labels;
    }

    @Override
    public String location() {
        return "file://" + root;
    }

    @Override
    public void close() {
        // nothing held open
    }

    private Path resolve(String key) {
        ObjectKeys.requireValid(key);
        if (key.equals(INCOMING) || key.startsWith(INCOMING + "/")) {
            throw new IllegalArgumentException("object key '" + key + "' uses the local store's reserved folder " + INCOMING);
        }
        return root.resolve(key);
    }

    private void pruneEmptyFolders(Path folder) {
        Path current = folder;
        while (current != null && current.startsWith(root) && !current.equals(root)) {
            try {
                Files.delete(current);
            } catch (DirectoryNotEmptyException | NoSuchFileException e) {
                return;
            } catch (IOException e) {
                return; // best effort: an empty folder left behind is harmless
            }
            current = current.getParent();
        }
    }

    private static void forceFolder(Path folder) throws IOException {
        try (FileChannel dir = FileChannel.open(folder, StandardOpenOption.READ)) {
            dir.force(true);
        }
    }

    private final class LocalWriter extends ObjectWriter {
        private final String key;
        private final Path target;
        private final Path temp;
        private final FileChannel channel;
        private final DescribedOutputStream out;
        private final WriteMode mode;
        private boolean finished;

        LocalWriter(String key, Path target, Path temp, FileChannel channel, WriteMode mode) {
            this.key = key;
            this.target = target;
            this.temp = temp;
            this.channel = channel;
            this.out = new DescribedOutputStream(Channels.newOutputStream(channel), "writing '" + key + "' in " + location());
            this.mode = mode;
        }

        @Override
        public void write(int b) throws IOException {
            ensureOpen();
            out.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            ensureOpen();
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            if (finished) {
                return;
            }
            finished = true;
            try {
                try {
                    channel.force(true);
                } catch (IOException e) {
                    throw out.described(e);
                }
                channel.close();
                Path parent = target.getParent();
                // A concurrent delete may prune the (empty) parent folder between creating it and
                // publishing into it: create it again and retry.
                for (int attempt = 1; ; attempt++) {
                    try {
                        publish(parent);
                        break;
                    } catch (NoSuchFileException prunedMeanwhile) {
                        if (attempt == 5 || !Files.exists(temp)) {
                            throw prunedMeanwhile;
                        }
                    }
                }
                forceFolder(parent);
            } catch (IOException | RuntimeException e) {
                discard();
                throw e;
            }
        }

        private void publish(Path parent) throws IOException {
            try {
                Files.createDirectories(parent);
            } catch (FileAlreadyExistsException e) {
                throw new IOException("local store cannot hold '" + key + "': '" + root.relativize(e.getFile() == null ? parent : Path.of(e.getFile()))
                        + "' is an object, not a folder", e);
            }
            if (Files.isDirectory(target)) {
                throw new IOException("local store cannot hold '" + key + "': it is already a folder of other keys");
            }
            if (mode == WriteMode.IF_ABSENT) {
                try {
                    Files.createLink(target, temp);
                } catch (FileAlreadyExistsException e) {
                    throw new ObjectAlreadyExistsException(location(), key);
                }
                Files.delete(temp);
            } else {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
        }

        @Override
        public void abort() {
            finished = true;
            discard();
        }

        private void discard() {
            try {
                channel.close();
            } catch (IOException ignored) {
                // closing a file we are about to delete
            }
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // a leftover temp file is invisible to readers and listings
            }
        }

        private void ensureOpen() throws IOException {
            if (finished) {
                throw new IOException("writer for '" + key + "' is already closed or aborted");
            }
        }
    }
}
