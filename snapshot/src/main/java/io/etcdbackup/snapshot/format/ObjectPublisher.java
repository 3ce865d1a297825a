package io.etcdbackup.snapshot.format;

import io.etcdbackup.stores.ObjectAlreadyExistsException;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.WriteMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;

/**
 * The one way a snapshot object (full snapshot, delta segment, merged segment, compacted base)
 * gets into a store: written "only if absent" under its key, header first, content streamed
 * through the codec and checksum, published by the trailer. Indexing it in the catalog is the
 * caller's next step.
 *
 * <p>Contract of {@link #publish}:
 * <ul>
 *   <li>the object becomes visible only complete; if {@code content} or the store fails, the
 *       object is aborted (nothing visible) and the exception propagates;</li>
 *   <li>when the key holds an object already (found when the write starts or when it is
 *       published), {@code ifExists}, which every caller names, decides: fail, trust the existing
 *       object, or use it only if it is the same object and verifies;</li>
 *   <li>the bytes written depend only on the header, the compression level and the content.</li>
 * </ul>
 */
public final class ObjectPublisher {

    private static final Logger LOG = LoggerFactory.getLogger(ObjectPublisher.class);

    /** What to do when the key holds an object already. */
    public enum IfExists {
        /**
         * Throw {@link ObjectAlreadyExistsException}: the key is new by construction (it holds a
         * time) and an existing object is an error the caller reports.
         */
        FAIL,
        /**
         * Use the existing object as published, without reading it: the key alone determines the
         * content (a delta segment's generation and revision range mean the same events),
         * published before a crash or by another writer.
         */
        TRUST_EXISTING,
        /**
         * Use the existing object only if it is the same one: same kind, generation, revision
         * range and event count as the header, and it verifies end to end; otherwise report
         * {@link Outcome#CONFLICT} (a corrupt or different object stays untouched).
         */
        VERIFY_EXISTING
    }

    /** What {@link #publish} did. */
    public enum Outcome {
        /** The object was written by this call. */
        WRITTEN,
        /** The key already held the object, accepted by the {@link IfExists} policy. */
        EXISTING,
        /** The key holds something else (only with {@link IfExists#VERIFY_EXISTING}); nothing was written. */
        CONFLICT
    }

    /** Writes an object's content (uncompressed) into the object being published. */
    @FunctionalInterface
    public interface Content {
        void writeTo(SnapshotObjectWriter out) throws IOException;
    }

    /**
     * The result of a publish.
     *
     * @param key     the object's key
     * @param size    the object's stored size in bytes (header, compressed content, trailer); 0 for
     *                {@link Outcome#CONFLICT}
     * @param outcome whether this call wrote it
     */
    public record Published(String key, long size, Outcome outcome) {
        /** The bytes this call wrote: the size when written, 0 otherwise. */
        public long bytesWritten() {
            return outcome == Outcome.WRITTEN ? size : 0;
        }
    }

    private final ObjectStore store;
    private final ObjectEncryption encryption;

    /** Publishes objects in the clear. */
    public ObjectPublisher(ObjectStore store) {
        this(store, ObjectEncryption.NONE);
    }

    /** Publishes objects whose contents {@code encryption} encrypts (when it has a key). */
    public ObjectPublisher(ObjectStore store, ObjectEncryption encryption) {
        this.store = store;
        this.encryption = encryption;
    }

    /**
     * Publishes {@code content} under {@code key} with {@code header} (whose codec compresses the
     * content at {@code level}).
     *
     * @throws ObjectAlreadyExistsException if the key holds an object and {@code ifExists} is
     *                                      {@link IfExists#FAIL}
     * @throws IOException                  if the store fails, or whatever {@code content} throws
     *                                      (the object is then aborted)
     */
    public Published publish(String key, ObjectHeader header, int level, IfExists ifExists, Content content) throws IOException {
        SnapshotObjectWriter out;
        try {
            out = SnapshotObjectWriter.start(store.create(key, WriteMode.IF_ABSENT), header, level, encryption);
        } catch (ObjectAlreadyExistsException e) {
            return existing(key, header, ifExists, e);
        }
        try {
            content.writeTo(out);
            out.finish();
        } catch (ObjectAlreadyExistsException e) {
            return existing(key, header, ifExists, e);
        } catch (IOException | RuntimeException e) {
            out.abort();
            throw e;
        }
        return new Published(key, out.bodyLength() + SnapshotObjectWriter.TRAILER_BYTES, Outcome.WRITTEN);
    }

    private Published existing(String key, ObjectHeader expected, IfExists ifExists, ObjectAlreadyExistsException exists)
            throws IOException {
        switch (ifExists) {
            case FAIL:
                throw exists;
            case TRUST_EXISTING:
                LOG.info("object already published key={} kind={}", key, expected.kind());
                return new Published(key, store.stat(key).size(), Outcome.EXISTING);
            case VERIFY_EXISTING:
                return verifiedExisting(key, expected);
            default:
                throw new IllegalArgumentException("unknown policy " + ifExists);
        }
    }

    private Published verifiedExisting(String key, ObjectHeader expected) throws IOException {
        long size = store.stat(key).size();
        try (SnapshotObjectReader reader = SnapshotObjectReader.open(key, store.open(key), encryption)) {
            ObjectHeader found = reader.header();
            if (found.kind() != expected.kind() || !found.generation().equals(expected.generation())
                    || found.firstRevision() != expected.firstRevision() || found.lastRevision() != expected.lastRevision()
                    || found.eventCount() != expected.eventCount()) {
                LOG.warn("object exists and holds something else key={} kind={} events={} first_revision={} last_revision={}",
                        key, found.kind(), found.eventCount(), found.firstRevision(), found.lastRevision());
                return new Published(key, 0, Outcome.CONFLICT);
            }
            reader.verify();
        } catch (CorruptObjectException e) {
            LOG.warn("object exists and is corrupt key={}", key, e);
            return new Published(key, 0, Outcome.CONFLICT);
        }
        LOG.info("object already published key={} kind={}", key, expected.kind());
        return new Published(key, size, Outcome.EXISTING);
    }
}
