package io.etcdbackup.plugins.s3;

import io.etcdbackup.stores.multipart.UploadThreads;
import io.etcdbackup.stores.ByteRange;
import io.etcdbackup.stores.ObjectInfo;
import io.etcdbackup.stores.ObjectIterator;
import io.etcdbackup.stores.ObjectKeys;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.ObjectWriter;
import io.etcdbackup.stores.PagedListing;
import io.etcdbackup.stores.WriteMode;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;

/**
 * An {@link ObjectStore} in an S3 bucket under a key prefix. Objects are published by a single
 * PutObject (small) or a multipart upload (large, see {@link S3Writer}), both atomic in S3.
 * Keys map to {@code prefix + "/" + key}, so sibling prefixes never see each other.
 */
final class S3ObjectStore implements ObjectStore {

    private final S3Client client;
    private final S3Settings settings;
    private final String base;
    private final ExecutorService uploads;

    S3ObjectStore(S3Client client, S3Settings settings) {
        this.client = client;
        this.settings = settings;
        this.base = ObjectKeys.folder(settings.prefix());
        this.uploads = UploadThreads.newPool("s3-upload-" + settings.bucket() + "-");
    }

    S3Client client() {
        return client;
    }

    S3Settings settings() {
        return settings;
    }

    String bucket() {
        return settings.bucket();
    }

    String fullKey(String key) {
        return base + ObjectKeys.requireValid(key);
    }

    ExecutorService uploads() {
        return uploads;
    }

    @Override
    public ObjectWriter create(String key, WriteMode mode) throws IOException {
        return S3Writer.open(this, key, fullKey(key), mode);
    }

    @Override
    public InputStream open(String key) throws IOException {
        String full = fullKey(key);
        try {
            return client.getObject(b -> b.bucket(bucket()).key(full));
        } catch (SdkException e) {
            throw S3Errors.map(e, "GetObject", location(), key);
        }
    }

    @Override
    public InputStream open(String key, long offset, long length) throws IOException {
        String full = fullKey(key);
        ByteRange range = ByteRange.of(key, offset, length);
        if (range.isEmpty()) {
            stat(key); // S3 has no empty range; still say "not found" for a missing key
            return InputStream.nullInputStream();
        }
        try {
            return client.getObject(b -> b.bucket(bucket()).key(full).range(range.httpHeader()));
        } catch (SdkException e) {
            if (S3Errors.isInvalidRange(e)) {
                return InputStream.nullInputStream(); // offset at or past the end (or an empty object)
            }
            throw S3Errors.map(e, "GetObject", location(), key);
        }
    }

    @Override
    public ObjectInfo stat(String key) throws IOException {
        String full = fullKey(key);
        try {
            HeadObjectResponse head = client.headObject(b -> b.bucket(bucket()).key(full));
            return new ObjectInfo(key, head.contentLength(), head.lastModified() == null ? Instant.EPOCH : head.lastModified());
        } catch (SdkException e) {
            throw S3Errors.map(e, "HeadObject", location(), key);
        }
    }

    @Override
    public ObjectIterator list(String prefix) throws IOException {
        // ListObjectsV2, one page (up to 1,000 keys) at a time, fetched as iteration reaches it.
        return PagedListing.byToken(token -> {
            ListObjectsV2Response response;
            try {
                response = client.listObjectsV2(b -> b.bucket(bucket()).prefix(base + prefix).continuationToken(token));
            } catch (SdkException e) {
                throw S3Errors.map(e, "ListObjectsV2", location(), prefix);
            }
            List<ObjectInfo> objects = new ArrayList<>();
            for (S3Object object : response.contents()) {
                String key = object.key().substring(base.length());
                if (!key.isEmpty() && !key.endsWith("/")) { // folder markers made by consoles are not objects
                    objects.add(new ObjectInfo(key, object.size() == null ? 0 : object.size(),
                            object.lastModified() == null ? Instant.EPOCH : object.lastModified()));
                }
            }
            return new PagedListing.Page(objects, Boolean.TRUE.equals(response.isTruncated()) ? response.nextContinuationToken() : null);
        });
    }

    @Override
    public void delete(String key) throws IOException {
        String full = fullKey(key);
        try {
            client.deleteObject(b -> b.bucket(bucket()).key(full));
        } catch (SdkException e) {
            if (S3Errors.isNotFound(e)) {
                return; // some S3-compatible stores answer 404 where S3 answers 204
            }
            throw S3Errors.mapDelete(e, location(), key);
        }
    }

    /**
     * The object's tags (GetObjectTagging). A server without object tagging (S3Proxy and some
     * other S3-compatible stores answer 501 NotImplemented) has no labels: none, not an error.
     */
    @Override
    public Map<String, String> labels(String key) throws IOException {
        String full = fullKey(key);
        try {
            Map<String, String> labels = new TreeMap<>();
            client.getObjectTagging(b -> b.bucket(bucket()).key(full)).tagSet()
                    .forEach(tag -> labels.put(tag.key().toLowerCase(Locale.ROOT), tag.value()));
            return labels;
        } catch (SdkException e) {
            if (S3Errors.isNotImplemented(e)) {
                return Map.of();
            }
            throw S3Errors.map(e, "GetObjectTagging", location(), key);
        }
    }

    @Override
    public String location() {
        return "s3://" + settings.bucket() + (settings.prefix().isEmpty() ? "" : "/" + settings.prefix());
    }

    @Override
    public void close() {
        uploads.shutdown();
        client.close();
    }
}
