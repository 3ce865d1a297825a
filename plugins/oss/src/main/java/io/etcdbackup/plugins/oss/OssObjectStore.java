package io.etcdbackup.plugins.oss;

import com.aliyun.oss.ClientException;
import com.aliyun.oss.OSS;
import com.aliyun.oss.OSSException;
import com.aliyun.oss.model.GetObjectRequest;
import com.aliyun.oss.model.ListObjectsRequest;
import com.aliyun.oss.model.OSSObject;
import com.aliyun.oss.model.OSSObjectSummary;
import com.aliyun.oss.model.ObjectListing;
import com.aliyun.oss.model.ObjectMetadata;
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

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;

/**
 * An {@link ObjectStore} in an OSS bucket under a key prefix. Small objects are one PutObject;
 * larger ones a multipart upload with parts uploaded in parallel ({@link OssObjectWriter}).
 * {@link WriteMode#IF_ABSENT} sends {@code x-oss-forbid-overwrite: true} with the publishing call
 * (PutObject or CompleteMultipartUpload). Range reads send {@code x-oss-range-behavior: standard}
 * so a range past the end is refused (416) instead of OSS's legacy answer, the whole object.
 */
final class OssObjectStore implements ObjectStore {

    static final String FORBID_OVERWRITE = "x-oss-forbid-overwrite";
    private static final Set<String> TRANSIENT_CODES = Set.of("InternalError", "ServiceUnavailable", "RequestTimeout",
            "SlowDown", "TooManyRequests", "Throttling", "QpsLimitExceeded", "RequestTimeTooSkewed");
    private static final int LIST_PAGE = 1000;

    private final OSS client;
    private final String bucket;
    private final String prefix;
    private final OssUploadSettings upload;
    private final ExecutorService uploads;

    OssObjectStore(OSS client, String bucket, String prefix, OssUploadSettings upload, ExecutorService uploads) {
        this.client = client;
        this.bucket = bucket;
        this.prefix = ObjectKeys.folder(prefix);
        this.upload = upload;
        this.uploads = uploads;
    }

    @Override
    public ObjectWriter create(String key, WriteMode mode) {
        return OssObjectWriter.open(this, ObjectKeys.requireValid(key), mode, upload, uploads);
    }

    @Override
    public InputStream open(String key) throws IOException {
        return get(key, new GetObjectRequest(bucket, name(key)));
    }

    @Override
    public InputStream open(String key, long offset, long length) throws IOException {
        ByteRange range = ByteRange.of(key, offset, length);
        if (range.isEmpty()) {
            stat(key);
            return InputStream.nullInputStream();
        }
        GetObjectRequest request = new GetObjectRequest(bucket, name(key));
        request.setRange(offset, range.toTheEnd() ? -1 : range.last());
        request.addHeader("x-oss-range-behavior", "standard");
        try {
            return get(key, request);
        } catch (IOException e) {
            if (e.getCause() instanceof OSSException oss && "InvalidRange".equals(oss.getErrorCode())) {
                return InputStream.nullInputStream(); // the offset is at or past the end
            }
            throw e;
        }
    }

    private InputStream get(String key, GetObjectRequest request) throws IOException {
        OSSObject object;
        try {
            object = client.getObject(request);
        } catch (OSSException | ClientException e) {
            throw translate("GetObject", key, e);
        }
        return new FilterInputStream(object.getObjectContent()) {
            @Override
            public void close() throws IOException {
                object.close();
            }
        };
    }

    @Override
    public ObjectInfo stat(String key) throws IOException {
        try {
            ObjectMetadata metadata = client.getObjectMetadata(bucket, name(key));
            Instant modified = metadata.getLastModified() == null ? Instant.EPOCH : metadata.getLastModified().toInstant();
            return new ObjectInfo(key, metadata.getContentLength(), modified);
        } catch (OSSException | ClientException e) {
            throw translate("HeadObject", key, e);
        }
    }

    /** The object's tags (GetObjectTagging). */
    @Override
    public Map<String, String> labels(String key) throws IOException {
        try {
            Map<String, String> labels = new TreeMap<>();
            client.getObjectTagging(bucket, name(key)).getAllTags()
                    .forEach((name, value) -> labels.put(name.toLowerCase(Locale.ROOT), value));
            return labels;
        } catch (OSSException | ClientException e) {
            throw translate("GetObjectTagging", key, e);
        }
    }

    @Override
    public ObjectIterator list(String listPrefix) {
        return PagedListing.byToken(marker -> page(prefix + listPrefix, marker));
    }

    @Override
    public void delete(String key) throws IOException {
        try {
            client.deleteObject(bucket, name(key)); // OSS answers 204 for a missing key too
        } catch (OSSException | ClientException e) {
            IOException failure = translate("DeleteObject", key, e);
            if (!(failure instanceof NoSuchObjectException)) {
                throw failure;
            }
        }
    }

    @Override
    public String location() {
        return "oss://" + bucket + (prefix.isEmpty() ? "" : "/" + prefix.substring(0, prefix.length() - 1));
    }

    @Override
    public void close() {
        uploads.shutdown();
        client.shutdown();
    }

    OSS client() {
        return client;
    }

    String bucket() {
        return bucket;
    }

    String name(String key) {
        return prefix + ObjectKeys.requireValid(key);
    }

    /** Maps an SDK failure to the SPI's exceptions: not found, already exists, locked (WORM), transient, or plain. */
    IOException translate(String operation, String key, RuntimeException e) {
        if (e instanceof OSSException oss) {
            String code = oss.getErrorCode() == null ? "" : oss.getErrorCode();
            if (code.equals("NoSuchKey")) {
                return new NoSuchObjectException(location(), key, e);
            }
            if (code.equals("FileAlreadyExists")) {
                ObjectAlreadyExistsException exists = new ObjectAlreadyExistsException(location(), key);
                exists.initCause(e);
                return exists;
            }
            if (code.equals("FileImmutable")) {
                // 409: a WORM retention policy of the bucket protects the object
                return new ObjectLockedException(location(), key, code + " " + oss.getErrorMessage(), Optional.empty(), e);
            }
            String message = operation + " of '" + key + "' in " + location() + " failed: " + code + " " + oss.getErrorMessage()
                    + " (request " + oss.getRequestId() + ")";
            return TRANSIENT_CODES.contains(code) ? new TransientStoreException(message, e) : new IOException(message, e);
        }
        if (e instanceof OssCredentials.UnreadableCredentialsException unreadable) {
            return new IOException(operation + " of '" + key + "' in " + location() + " failed: " + unreadable.getCause().getMessage(),
                    unreadable.getCause());
        }
        // ClientException: no answer from OSS (connection refused, reset, timeout).
        return new TransientStoreException(operation + " of '" + key + "' in " + location() + " failed: " + e.getMessage(), e);
    }

    /** Percent-decoding only: a '+' in an encoded key is a plus, not a space. */
    private static String urlDecode(String value) {
        return URLDecoder.decode(value.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    /** One ListObjects (V1) page after {@code marker}; OSS lists in UTF-8 byte order. */
    private PagedListing.Page page(String fullPrefix, String marker) throws IOException {
        ListObjectsRequest request = new ListObjectsRequest(bucket, fullPrefix, marker, null, LIST_PAGE);
        request.setEncodingType("url"); // keys may hold characters XML 1.0 cannot carry raw
        ObjectListing listing;
        try {
            listing = client.listObjects(request);
        } catch (OSSException | ClientException e) {
            throw translate("ListObjects", fullPrefix, e);
        }
        // SDK 3.18.5 does not decode ListObjects (V1) answers asked for with encoding-type=url.
        boolean encoded = "url".equals(listing.getEncodingType());
        List<ObjectInfo> objects = new ArrayList<>();
        for (OSSObjectSummary summary : listing.getObjectSummaries()) {
            String name = encoded ? urlDecode(summary.getKey()) : summary.getKey();
            objects.add(new ObjectInfo(name.substring(prefix.length()), summary.getSize(),
                    summary.getLastModified() == null ? Instant.EPOCH : summary.getLastModified().toInstant()));
        }
        String next = listing.getNextMarker() == null ? null : encoded ? urlDecode(listing.getNextMarker()) : listing.getNextMarker();
        if (!listing.isTruncated()) {
            return new PagedListing.Page(objects, null);
        }
        if (next != null && !next.isEmpty() && marker != null && ObjectKeys.compareUtf8(next, marker) <= 0) {
            throw new IOException("ListObjects of '" + fullPrefix + "' in " + location() + " did not advance: next marker '"
                    + next + "' after '" + marker + "'");
        }
        return new PagedListing.Page(objects, next);
    }
}
