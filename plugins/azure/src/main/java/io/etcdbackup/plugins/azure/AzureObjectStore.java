package io.etcdbackup.plugins.azure;

import com.azure.core.http.rest.PagedResponse;
import com.azure.core.util.Context;
import com.azure.storage.blob.BlobClient;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.models.BlobErrorCode;
import com.azure.storage.blob.models.BlobItem;
import com.azure.storage.blob.models.BlobProperties;
import com.azure.storage.blob.models.BlobRange;
import com.azure.storage.blob.models.BlobRequestConditions;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.blob.models.DeleteSnapshotsOptionType;
import com.azure.storage.blob.models.ListBlobsOptions;
import com.azure.storage.blob.options.BlobInputStreamOptions;
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
import io.etcdbackup.stores.multipart.UploadThreads;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;

/**
 * An {@link ObjectStore} in one Azure Blob Storage container, under a prefix. Objects are block
 * blobs: a write stages blocks ({@link AzureBlockWriter}) and publishes them with one
 * {@code Put Block List}, so readers see either the previous version or the new one. Listing is
 * the service's own order (lexicographic, paged by {@code pageSize}).
 */
final class AzureObjectStore implements ObjectStore {

    /** How a store writes and lists; see the provider for the URL options that set these. */
    record Settings(int blockSize, int blocksInFlight, int pageSize) {
        Settings {
            if (blockSize < 1 || blocksInFlight < 1 || pageSize < 1 || pageSize > 5000) {
                throw new IllegalArgumentException("invalid Azure store settings " + blockSize + "/" + blocksInFlight + "/" + pageSize);
            }
        }
    }

    private static final int READ_CHUNK = 4 * 1024 * 1024;

    private final BlobContainerClient container;
    private final String base;
    private final Settings settings;
    private final String location;
    private final ExecutorService stagers;

    AzureObjectStore(BlobContainerClient container, String prefix, Settings settings) {
        this.container = container;
        this.base = ObjectKeys.folder(prefix);
        this.settings = settings;
        this.location = "azblob://" + container.getBlobContainerName() + (prefix.isEmpty() ? "" : "/" + prefix);
        this.stagers = UploadThreads.newPool("azblob-stage-");
    }

    @Override
    public ObjectWriter create(String key, WriteMode mode) throws IOException {
        BlobClient blob = blob(key);
        return new AzureBlockWriter(this, key, blob.getBlockBlobClient(), mode, settings, stagers);
    }

    @Override
    public InputStream open(String key, long offset, long length) throws IOException {
        BlobClient blob = blob(key);
        ByteRange requested = ByteRange.of(key, offset, length);
        return BackendCall.mapped(() -> {
            // One properties call fixes the size and the version (ETag) the whole read must see.
            BlobProperties properties = blob.getProperties();
            ByteRange range = requested.clampTo(properties.getBlobSize());
            if (range.isEmpty()) {
                return InputStream.nullInputStream();
            }
            return blob.openInputStream(new BlobInputStreamOptions()
                    .setRange(new BlobRange(range.offset(), range.length()))
                    .setBlockSize(READ_CHUNK)
                    .setRequestConditions(new BlobRequestConditions().setIfMatch(properties.getETag())));
        }, e -> failure("open", key, e));
    }

    @Override
    public ObjectInfo stat(String key) throws IOException {
        BlobClient blob = blob(key);
        return BackendCall.mapped(() -> {
            BlobProperties properties = blob.getProperties();
            return new ObjectInfo(key, properties.getBlobSize(), properties.getLastModified().toInstant());
        }, e -> failure("stat", key, e));
    }

    /** The blob's index tags (the reference's mechanism: Azure metadata names cannot hold '-'). */
    @Override
    public Map<String, String> labels(String key) throws IOException {
        BlobClient blob = blob(key);
        return BackendCall.mapped(() -> {
            Map<String, String> labels = new TreeMap<>();
            blob.getTags().forEach((name, value) -> labels.put(name.toLowerCase(Locale.ROOT), value));
            return labels;
        }, e -> failure("labels", key, e));
    }

    @Override
    public ObjectIterator list(String prefix) throws IOException {
        ListBlobsOptions options = new ListBlobsOptions().setPrefix(base + prefix).setMaxResultsPerPage(settings.pageSize());
        return BackendCall.mapped(() -> {
            Iterator<PagedResponse<BlobItem>> pages = container.listBlobs(options, null).iterableByPage().iterator();
            return PagedListing.of(() -> {
                try {
                    return pages.hasNext() ? Optional.of(pages.next().getValue().stream().map(this::info).toList()) : Optional.empty();
                } catch (RuntimeException e) {
                    throw failure("list", prefix, e);
                }
            });
        }, e -> failure("list", prefix, e));
    }

    @Override
    public void delete(String key) throws IOException {
        BlobClient blob = blob(key);
        BackendCall.run(() -> {
            // Snapshots would make a plain delete fail; they belong to the object, so they go too.
            blob.deleteIfExistsWithResponse(DeleteSnapshotsOptionType.INCLUDE, null, null, Context.NONE);
        }, e -> failure("delete", key, e));
    }

    @Override
    public String location() {
        return location;
    }

    @Override
    public void close() {
        stagers.shutdown();
    }

    private BlobClient blob(String key) {
        ObjectKeys.requireValid(key);
        if (key.indexOf('\\') >= 0) {
            // Azure (and Azurite) turn '\' into '/' in blob names: "a\b" would silently be "a/b".
            throw new IllegalArgumentException("object key '" + key + "' contains '\\', which Azure Blob Storage stores as '/'");
        }
        return container.getBlobClient(base + key);
    }

    /**
     * Turns an SDK failure into the SPI's exceptions: a missing blob is {@link NoSuchObjectException};
     * a refused conditional write is {@link ObjectAlreadyExistsException}; an immutable blob
     * (409 BlobImmutableDueToPolicy) is {@link ObjectLockedException}; throttling (429), 5xx and
     * broken connections are {@link TransientStoreException}; everything else is an
     * {@link IOException} naming the operation, the key, and the service's status and error code.
     */
    IOException failure(String operation, String key, RuntimeException e) {
        if (e instanceof BlobStorageException storage) {
            BlobErrorCode code = storage.getErrorCode();
            int status = storage.getStatusCode();
            if (status == 404 && (BlobErrorCode.BLOB_NOT_FOUND.equals(code) || code == null && !"list".equals(operation))) {
                return new NoSuchObjectException(location, key, e);
            }
            if ((status == 409 && BlobErrorCode.BLOB_ALREADY_EXISTS.equals(code))
                    || (status == 412 && BlobErrorCode.CONDITION_NOT_MET.equals(code) && "create".equals(operation))) {
                ObjectAlreadyExistsException exists = new ObjectAlreadyExistsException(location, key);
                exists.initCause(e);
                return exists;
            }
            if (status == 409 && BlobErrorCode.BLOB_IMMUTABLE_DUE_TO_POLICY.equals(code)) {
                // a time-based retention policy or a legal hold on the blob or its container
                return new ObjectLockedException(location, key, "status 409 " + code, Optional.empty(), e);
            }
            if (status == 429 || status >= 500) {
                return new TransientStoreException("azure " + operation + " of '" + key + "' in " + location
                        + " failed: throttled or server error, status " + status + " " + code, e);
            }
            String what = status == 404 && BlobErrorCode.CONTAINER_NOT_FOUND.equals(code)
                    ? "container '" + container.getBlobContainerName() + "' does not exist"
                    : "status " + status + " " + code;
            return new IOException("azure " + operation + " of '" + key + "' in " + location + " failed: " + what, e);
        }
        if (e instanceof MountedAccountKeyPolicy.UnreadableCredentialsException unreadable) {
            return new IOException("azure " + operation + " of '" + key + "' in " + location + " failed: " + unreadable.getMessage(), e);
        }
        if (e instanceof UncheckedIOException unchecked) {
            // Connection refused, reset or timed out: worth another try.
            return new TransientStoreException("azure " + operation + " of '" + key + "' in " + location + " failed: " + unchecked.getCause().getMessage(), unchecked.getCause());
        }
        return new IOException("azure " + operation + " of '" + key + "' in " + location + " failed: " + e, e);
    }

    /** A listed blob as the SPI's object, its key relative to the store's prefix. */
    private ObjectInfo info(BlobItem item) {
        Long size = item.getProperties().getContentLength();
        Instant modified = item.getProperties().getLastModified().toInstant();
        return new ObjectInfo(item.getName().substring(base.length()), size == null ? 0 : size, modified);
    }
}
