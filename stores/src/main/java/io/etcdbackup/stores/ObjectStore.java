package io.etcdbackup.stores;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * A flat namespace of immutable objects: bytes under string keys, scoped to the prefix the store
 * was opened with. This is the whole surface every provider implements; keep it minimal. Retries,
 * metrics and credential reload are decorators around an {@code ObjectStore}, never base classes.
 *
 * <p>Keys follow {@link ObjectKeys#requireValid(String)}: non-empty segments separated by
 * {@code /}. Stores know nothing of etcd: snapshot names and revisions never enter a provider.
 *
 * <p>All methods may be called concurrently from several threads.
 */
public interface ObjectStore extends Closeable {

    /**
     * Starts writing an object. The bytes written to the returned writer become visible under
     * {@code key} atomically when {@link ObjectWriter#close()} returns normally: until then no
     * reader, listing or {@link #stat} sees the new object (nor, with {@link WriteMode#OVERWRITE},
     * anything but the previous complete version). The length need not be known in advance;
     * memory used is bounded by the provider (parts or blocks in flight), not by the object size.
     *
     * @param key  the object key, valid per {@link ObjectKeys#requireValid(String)}
     * @param mode {@link WriteMode#IF_ABSENT} makes {@code close()} fail with
     *             {@link ObjectAlreadyExistsException}, leaving the existing object untouched,
     *             when the key already holds an object at publish time
     * @throws IOException if the write cannot be started
     */
    ObjectWriter create(String key, WriteMode mode) throws IOException;

    /**
     * Writes a small object in one call; same visibility and {@code mode} rules as
     * {@link #create(String, WriteMode)}.
     */
    default void put(String key, byte[] content, WriteMode mode) throws IOException {
        ObjectWriter writer = create(key, mode);
        try {
            writer.write(content);
        } catch (IOException | RuntimeException e) {
            writer.abort();
            throw e;
        }
        writer.close();
    }

    /**
     * Opens a complete object for reading from its first byte. By default the range from 0 to the
     * end; a backend with a cheaper whole-object read overrides this.
     *
     * @throws NoSuchObjectException if no object exists under {@code key}
     */
    default InputStream open(String key) throws IOException {
        return open(key, 0, Long.MAX_VALUE);
    }

    /**
     * Opens {@code length} bytes of an object starting at {@code offset}. A range that runs past
     * the end of the object is cut at the end; an offset at or past the end gives an empty stream.
     *
     * @throws NoSuchObjectException    if no object exists under {@code key}
     * @throws IllegalArgumentException if {@code offset} or {@code length} is negative
     */
    InputStream open(String key, long offset, long length) throws IOException;

    /**
     * Describes one object.
     *
     * @throws NoSuchObjectException if no object exists under {@code key}
     */
    ObjectInfo stat(String key) throws IOException;

    /**
     * Lists every complete object whose key starts with {@code prefix} (a plain string prefix,
     * not a folder: {@code "a/b"} matches {@code "a/b/c"} and {@code "a/bc"}). The listing is
     * sorted by the keys' UTF-8 bytes, pages through the backend lazily, and never shows objects
     * still being written. An empty prefix lists the whole store.
     */
    ObjectIterator list(String prefix) throws IOException;

    /**
     * Deletes an object. Deleting a key that holds no object is not an error (idempotent).
     *
     * @throws ObjectLockedException if the provider refuses because the object is locked
     *                               (retention, legal hold, WORM); nothing changed
     */
    void delete(String key) throws IOException;

    /**
     * The labels an operator set on an object with the provider's own tools, names in lower
     * case: S3 and OSS object tags, Azure blob index tags, GCS custom metadata, Swift object
     * metadata ({@code X-Object-Meta-*}), the local store's {@code user.*} extended attributes.
     * Providers allow changing these on locked objects, which is why they carry operator
     * decisions such as {@code x-etcd-snapshot-exclude=true}. One call per object: use it for
     * the few objects a decision needs, not for listings.
     *
     * @throws NoSuchObjectException if no object exists under {@code key}
     */
    java.util.Map<String, String> labels(String key) throws IOException;

    /**
     * Where this store points, for messages and logs, e.g. {@code s3://bucket/prefix}. Never
     * contains credentials.
     */
    String location();

    /** Reading convenience: the whole object as bytes (for small objects only). */
    default byte[] readAll(String key) throws IOException {
        try (InputStream in = open(key)) {
            return in.readAllBytes();
        }
    }

    /** Copies an object's bytes to {@code out}; returns the number of bytes copied. */
    default long copyTo(String key, OutputStream out) throws IOException {
        try (InputStream in = open(key)) {
            return in.transferTo(out);
        }
    }
}
