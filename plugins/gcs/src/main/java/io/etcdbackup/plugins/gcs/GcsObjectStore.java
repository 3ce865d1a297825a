package io.etcdbackup.plugins.gcs;

import com.google.api.gax.paging.Page;
import com.google.cloud.ReadChannel;
import com.google.cloud.WriteChannel;
import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageException;
import io.etcdbackup.stores.BackendCall;
import io.etcdbackup.stores.ByteRange;
import io.etcdbackup.stores.NoSuchObjectException;
import io.etcdbackup.stores.ObjectAlreadyExistsException;
import io.etcdbackup.stores.ObjectLockedException;
import io.etcdbackup.stores.ObjectInfo;
import io.etcdbackup.stores.ObjectIterator;
import io.etcdbackup.stores.ObjectKeys;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.ObjectWriter;
import io.etcdbackup.stores.PagedListing;
import io.etcdbackup.stores.TransientStoreException;
import io.etcdbackup.stores.WriteMode;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * An {@link ObjectStore} in one Google Cloud Storage bucket, under a prefix. Writes are resumable
 * uploads ({@link GcsWriter}); reads pin the object's generation so a concurrent overwrite cannot
 * mix two versions; listings are the service's lexicographic order, paged by {@code pageSize}.
 */
final class GcsObjectStore implements ObjectStore {

    /** How a store writes and lists; the provider's URL options set these. */
    record Settings(int chunkSize, int pageSize) {
        Settings {
            if (chunkSize < 256 * 1024 || pageSize < 1) {
                throw new IllegalArgumentException("invalid GCS store settings chunkSize=" + chunkSize + " pageSize=" + pageSize);
            }
        }
    }

    /** Opens the upload channel; production passes {@link Storage#writer}, tests may observe it. */
    @FunctionalInterface
    interface ChannelOpener {
        WriteChannel open(BlobInfo blob, Storage.BlobWriteOption... options);
    }

    private final Storage storage;
    private final String bucket;
    private final String base;
    private final Settings settings;
    private final ChannelOpener opener;
    private final String location;

    GcsObjectStore(Storage storage, String bucket, String prefix, Settings settings) {
        this(storage, bucket, prefix, settings, storage::writer);
    }

    GcsObjectStore(Storage storage, String bucket, String prefix, Settings settings, ChannelOpener opener) {
        this.storage = storage;
        this.bucket = bucket;
        this.base = ObjectKeys.folder(prefix);
        this.settings = settings;
        this.opener = opener;
        this.location = "gs://" + bucket + (prefix.isEmpty() ? "" : "/" + prefix);
    }

    @Override
    public ObjectWriter create(String key, WriteMode mode) throws IOException {
        BlobInfo info = BlobInfo.newBuilder(blobId(key)).setContentType("application/octet-stream").build();
        Storage.BlobWriteOption[] options = mode == WriteMode.IF_ABSENT
                ? new Storage.BlobWriteOption[] {Storage.BlobWriteOption.doesNotExist()}
                : new Storage.BlobWriteOption[0];
        WriteChannel channel;
        try {
            channel = opener.open(info, options);
        } catch (RuntimeException e) {
            IOException failure = failure("create", key, e);
            if (failure instanceof ObjectAlreadyExistsException exists) {
                // Refused when the upload session starts; the SPI reports it when close() publishes.
                return GcsWriter.refused(this, key, exists);
            }
            throw failure;
        }
        channel.setChunkSize(settings.chunkSize());
        return new GcsWriter(this, key, channel);
    }

    @Override
    public InputStream open(String key, long offset, long length) throws IOException {
        BlobId id = blobId(key);
        ByteRange requested = ByteRange.of(key, offset, length);
        return BackendCall.mapped(() -> {
            Blob blob = existing(key, id);
            ByteRange range = requested.clampTo(blob.getSize());
            if (range.isEmpty()) {
                return InputStream.nullInputStream();
            }
            // Pin the generation: the whole read sees one version even if the key is overwritten.
            ReadChannel reader = storage.reader(BlobId.of(bucket, id.getName(), blob.getGeneration()));
            reader.seek(range.offset());
            reader.limit(range.offset() + range.length());
            return Channels.newInputStream(reader);
        }, e -> failure("open", key, e));
    }

    @Override
    public ObjectInfo stat(String key) throws IOException {
        BlobId id = blobId(key);
        return BackendCall.mapped(() -> {
            Blob blob = existing(key, id);
            return new ObjectInfo(key, blob.getSize(), updated(blob));
        }, e -> failure("stat", key, e));
    }

    @Override
    public ObjectIterator list(String prefix) throws IOException {
        return BackendCall.mapped(() -> {
            Page<Blob> first = storage.list(bucket, Storage.BlobListOption.prefix(base + prefix),
                    Storage.BlobListOption.pageSize(settings.pageSize()));
            return PagedListing.of(new PageSource(first, prefix));
        }, e -> failure("list", prefix, e));
    }

    /** The object's custom metadata. */
    @Override
    public Map<String, String> labels(String key) throws IOException {
        BlobId id = blobId(key);
        return BackendCall.mapped(() -> {
            Map<String, String> labels = new TreeMap<>();
            Map<String, String> metadata = existing(key, id).getMetadata();
            if (metadata != null) {
                metadata.forEach((name, value) -> labels.put(name.toLowerCase(Locale.ROOT), value == null ? "" : value));
            }
            return labels;
        }, e -> failure("labels", key, e));
    }

    @Override
    public void delete(String key) throws IOException {
        BlobId id = blobId(key);
        BackendCall.run(() -> storage.delete(id), e -> failure("delete", key, e));
    }

    @Override
    public String location() {
        return location;
    }

    @Override
    public void close() {
        // The Storage client holds no resources that need closing before the JVM exits.
    }

    private BlobId blobId(String key) {
        ObjectKeys.requireValid(key);
        return BlobId.of(bucket, base + key);
    }

    private Blob existing(String key, BlobId id) throws NoSuchObjectException {
        Blob blob = storage.get(id);
        if (blob == null) {
            throw new NoSuchObjectException(location, key);
        }
        return blob;
    }

    private static Instant updated(Blob blob) {
        OffsetDateTime updated = blob.getUpdateTimeOffsetDateTime();
        return updated == null ? Instant.EPOCH : updated.toInstant();
    }

    /**
     * Turns an SDK failure into the SPI's exceptions: 404 is {@link NoSuchObjectException}, a
     * refused {@code ifGenerationMatch=0} (412) is {@link ObjectAlreadyExistsException}, a
     * retention policy or hold (403, see {@link GcsLocks}) is {@link ObjectLockedException}, 429/5xx
     * and retryable SDK failures are {@link TransientStoreException}, anything else an {@link IOException} naming the operation, key, and status.
     */
    IOException failure(String operation, String key, Throwable e) {
        StorageException storage = storageException(e);
        if (storage != null) {
            int code = storage.getCode();
            if (code == 404 && !"list".equals(operation)) {
                return new NoSuchObjectException(location, key, e);
            }
            if (code == 412 && "create".equals(operation)) {
                ObjectAlreadyExistsException exists = new ObjectAlreadyExistsException(location, key);
                exists.initCause(e);
                return exists;
            }
            if (GcsLocks.isLocked(storage)) {
                return new ObjectLockedException(location, key, "status 403 " + storage.getReason() + ": " + storage.getMessage(),
                        GcsLocks.lockedUntil(storage.getMessage()), e);
            }
            String message = "gcs " + operation + " of '" + key + "' in " + location + " failed: status " + code
                    + " " + storage.getReason() + ": " + storage.getMessage();
            // 429 and 5xx are throttling and server errors; the SDK's own retryable verdict covers
            // connection resets and timeouts (code 0) as well.
            if (code == 429 || code >= 500 || storage.isRetryable()) {
                return new TransientStoreException(message, e);
            }
            return new IOException(message, e);
        }
        if (e instanceof IOException io) {
            return new IOException("gcs " + operation + " of '" + key + "' in " + location + " failed: " + io.getMessage(), io);
        }
        return new IOException("gcs " + operation + " of '" + key + "' in " + location + " failed: " + e, e);
    }

    private static StorageException storageException(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof StorageException storage) {
                return storage;
            }
        }
        return null;
    }

    /** The service's pages, first to last; keys come back relative to the store's prefix. */
    private final class PageSource implements PagedListing.PageSource {
        private Page<Blob> page;
        private final String prefix;
        private boolean started;

        PageSource(Page<Blob> first, String prefix) {
            this.page = first;
            this.prefix = prefix;
        }

        @Override
        public Optional<List<ObjectInfo>> nextPage() throws IOException {
            try {
                if (started) {
                    page = page != null && page.hasNextPage() ? page.getNextPage() : null;
                }
                started = true;
                if (page == null) {
                    return Optional.empty();
                }
                List<ObjectInfo> objects = new ArrayList<>();
                for (Blob blob : page.getValues()) {
                    // Folder placeholders ("a/") made by consoles are not objects; no valid key ends in '/'.
                    if (!blob.getName().endsWith("/")) {
                        Long size = blob.getSize();
                        objects.add(new ObjectInfo(blob.getName().substring(base.length()), size == null ? 0 : size, updated(blob)));
                    }
                }
                return Optional.of(objects);
            } catch (RuntimeException e) {
                throw failure("list", prefix, e);
            }
        }
    }
}
