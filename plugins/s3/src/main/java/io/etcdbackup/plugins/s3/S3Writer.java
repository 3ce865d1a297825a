package io.etcdbackup.plugins.s3;

import io.etcdbackup.stores.ObjectWriter;
import io.etcdbackup.stores.WriteMode;
import io.etcdbackup.stores.multipart.MultipartObjectWriter;
import io.etcdbackup.stores.multipart.MultipartTarget;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.List;

/**
 * The S3 calls behind a {@link MultipartObjectWriter}: an object that fits in one part is a single
 * PutObject, a larger one a multipart upload with {@link S3Settings#uploadParallelism()} parts in
 * flight. {@link WriteMode#IF_ABSENT} sends {@code If-None-Match: *} with the PutObject or the
 * CompleteMultipartUpload. With {@link S3Settings#objectLock()} each object is written locked
 * (Object Lock mode and retain-until date on the PutObject or CreateMultipartUpload). Parts are
 * not retried here: the SDK's own retry policy already does.
 */
final class S3Writer implements MultipartTarget<CompletedPart> {

    private static final Logger LOG = LoggerFactory.getLogger(S3Writer.class);
    /** S3's limit on parts per upload. */
    private static final int MAX_PARTS = 10_000;

    private final S3ObjectStore store;
    private final String key;
    private final String fullKey;
    private final WriteMode mode;
    private volatile String uploadId;

    private S3Writer(S3ObjectStore store, String key, String fullKey, WriteMode mode) {
        this.store = store;
        this.key = key;
        this.fullKey = fullKey;
        this.mode = mode;
    }

    static ObjectWriter open(S3ObjectStore store, String key, String fullKey, WriteMode mode) {
        S3Settings settings = store.settings();
        return new MultipartObjectWriter<>(key, store.location(), new S3Writer(store, key, fullKey, mode),
                settings.partSize(), settings.uploadParallelism(), MAX_PARTS, 1, store.uploads());
    }

    @Override
    public void putWhole(byte[] data, int length) throws IOException {
        PutObjectRequest.Builder request = PutObjectRequest.builder().bucket(store.bucket()).key(fullKey).contentLength((long) length);
        if (mode == WriteMode.IF_ABSENT) {
            request.ifNoneMatch("*");
        }
        store.settings().sse().ifPresent(sse -> request.serverSideEncryption(ServerSideEncryption.fromValue(sse)));
        store.settings().sseKmsKeyId().ifPresent(request::ssekmsKeyId);
        store.settings().objectLock().ifPresent(lock -> request.objectLockMode(lock.mode())
                .objectLockRetainUntilDate(Instant.now().plus(lock.retention())));
        try {
            store.client().putObject(request.build(), body(data, length));
        } catch (SdkException e) {
            throw S3Errors.map(e, "PutObject", store.location(), key);
        }
    }

    @Override
    public void begin() throws IOException {
        CreateMultipartUploadRequest.Builder request = CreateMultipartUploadRequest.builder().bucket(store.bucket()).key(fullKey);
        store.settings().sse().ifPresent(sse -> request.serverSideEncryption(ServerSideEncryption.fromValue(sse)));
        store.settings().sseKmsKeyId().ifPresent(request::ssekmsKeyId);
        store.settings().objectLock().ifPresent(lock -> request.objectLockMode(lock.mode())
                .objectLockRetainUntilDate(Instant.now().plus(lock.retention())));
        if (!store.settings().checksumsWhenRequired()) {
            request.checksumAlgorithm(ChecksumAlgorithm.CRC32);
        }
        try {
            uploadId = store.client().createMultipartUpload(request.build()).uploadId();
        } catch (SdkException e) {
            throw S3Errors.map(e, "CreateMultipartUpload", store.location(), key);
        }
    }

    @Override
    public CompletedPart uploadPart(int number, byte[] data, int length) throws IOException {
        UploadPartRequest.Builder request = UploadPartRequest.builder().bucket(store.bucket()).key(fullKey)
                .uploadId(uploadId).partNumber(number).contentLength((long) length);
        if (!store.settings().checksumsWhenRequired()) {
            request.checksumAlgorithm(ChecksumAlgorithm.CRC32);
        }
        try {
            UploadPartResponse response = store.client().uploadPart(request.build(), body(data, length));
            return CompletedPart.builder().partNumber(number).eTag(response.eTag()).checksumCRC32(response.checksumCRC32()).build();
        } catch (SdkException e) {
            throw S3Errors.map(e, "UploadPart " + number, store.location(), key);
        }
    }

    @Override
    public void complete(List<CompletedPart> parts) throws IOException {
        try {
            store.client().completeMultipartUpload(b -> {
                b.bucket(store.bucket()).key(fullKey).uploadId(uploadId).multipartUpload(m -> m.parts(parts));
                if (mode == WriteMode.IF_ABSENT) {
                    b.ifNoneMatch("*");
                }
            });
        } catch (SdkException e) {
            throw S3Errors.map(e, "CompleteMultipartUpload", store.location(), key);
        }
    }

    @Override
    public void abort() {
        String id = uploadId;
        try {
            store.client().abortMultipartUpload(b -> b.bucket(store.bucket()).key(fullKey).uploadId(id));
        } catch (SdkException e) {
            // Never throws (contract); a bucket lifecycle rule for incomplete uploads cleans up.
            LOG.warn("could not abort multipart upload store={} key={} upload_id={} cause=\"{}\"", store.location(), key, id, e.toString(), e);
        }
    }

    /** A fresh stream over the same array per attempt: the SDK can retry without a copy. */
    private static RequestBody body(byte[] data, int length) {
        return RequestBody.fromContentProvider(() -> new ByteArrayInputStream(data, 0, length), length, "application/octet-stream");
    }
}
