package io.etcdbackup.stores.s3;

import io.etcdbackup.stores.ObjectWriter;
import io.etcdbackup.stores.WriteMode;
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
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;

/**
 * Streams an object into S3. Bytes collect in a buffer of one part; an object that stays under
 * one part is sent by a single PutObject at {@link #close()}. A larger one becomes a multipart
 * upload: each full part is uploaded on the store's upload pool while the caller keeps writing,
 * at most {@link S3Settings#uploadParallelism()} at once (the caller blocks when that many are
 * in flight), so memory stays at (parallelism + 1) x part size. {@link WriteMode#IF_ABSENT}
 * sends {@code If-None-Match: *} with the PutObject or the CompleteMultipartUpload. Any failure,
 * and {@link #abort()}, aborts the multipart upload so no parts linger (and are billed).
 */
final class S3Writer extends ObjectWriter {

    private static final Logger LOG = LoggerFactory.getLogger(S3Writer.class);
    private static final int FIRST_BUFFER = 64 * 1024;

    private final S3ObjectStore store;
    private final String key;
    private final String fullKey;
    private final WriteMode mode;
    private final int partSize;
    private final Semaphore inFlight;
    private final List<Future<CompletedPart>> parts = new ArrayList<>();
    private byte[] buffer = new byte[FIRST_BUFFER];
    private int filled;
    private String uploadId;
    private boolean finished;

    S3Writer(S3ObjectStore store, String key, String fullKey, WriteMode mode) {
        this.store = store;
        this.key = key;
        this.fullKey = fullKey;
        this.mode = mode;
        this.partSize = store.settings().partSize();
        this.inFlight = new Semaphore(store.settings().uploadParallelism());
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (finished) {
            throw new IOException("writer for '" + key + "' in " + store.location() + " is already closed or aborted");
        }
        while (len > 0) {
            if (filled == buffer.length && buffer.length < partSize) {
                byte[] bigger = new byte[Math.min(partSize, buffer.length * 2)];
                System.arraycopy(buffer, 0, bigger, 0, filled);
                buffer = bigger;
            }
            int n = Math.min(len, buffer.length - filled);
            System.arraycopy(b, off, buffer, filled, n);
            filled += n;
            off += n;
            len -= n;
            if (filled == partSize) {
                try {
                    uploadPart();
                } catch (IOException | RuntimeException e) {
                    abort();
                    throw e;
                }
            }
        }
    }

    private void uploadPart() throws IOException {
        if (uploadId == null) {
            uploadId = startMultipart();
        }
        checkFailedParts();
        try {
            inFlight.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while uploading '" + key + "'");
        }
        byte[] data = buffer;
        int length = filled;
        int number = parts.size() + 1;
        parts.add(store.uploads().submit(() -> {
            try {
                return sendPart(number, data, length);
            } finally {
                inFlight.release();
            }
        }));
        buffer = new byte[partSize];
        filled = 0;
    }

    private String startMultipart() throws IOException {
        CreateMultipartUploadRequest.Builder request = CreateMultipartUploadRequest.builder().bucket(store.bucket()).key(fullKey);
        store.settings().sse().ifPresent(sse -> request.serverSideEncryption(ServerSideEncryption.fromValue(sse)));
        store.settings().sseKmsKeyId().ifPresent(request::ssekmsKeyId);
        if (!store.settings().checksumsWhenRequired()) {
            request.checksumAlgorithm(ChecksumAlgorithm.CRC32);
        }
        try {
            return store.client().createMultipartUpload(request.build()).uploadId();
        } catch (SdkException e) {
            throw S3Errors.map(e, "CreateMultipartUpload", store.location(), key);
        }
    }

    private CompletedPart sendPart(int number, byte[] data, int length) throws IOException {
        UploadPartRequest.Builder request = UploadPartRequest.builder().bucket(store.bucket()).key(fullKey)
                .uploadId(uploadId).partNumber(number).contentLength((long) length);
        if (!store.settings().checksumsWhenRequired()) {
            request.checksumAlgorithm(ChecksumAlgorithm.CRC32);
        }
        try {
            // A fresh stream over the same array per attempt: the SDK can retry without a copy.
            UploadPartResponse response = store.client().uploadPart(request.build(),
                    RequestBody.fromContentProvider(() -> new ByteArrayInputStream(data, 0, length), length, "application/octet-stream"));
            return CompletedPart.builder().partNumber(number).eTag(response.eTag()).checksumCRC32(response.checksumCRC32()).build();
        } catch (SdkException e) {
            throw S3Errors.map(e, "UploadPart " + number, store.location(), key);
        }
    }

    private void checkFailedParts() throws IOException {
        for (Future<CompletedPart> part : parts) {
            if (part.isDone()) {
                join(part);
            }
        }
    }

    private CompletedPart join(Future<CompletedPart> part) throws IOException {
        try {
            return part.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while uploading '" + key + "'");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException("uploading a part of '" + key + "' to " + store.location() + " failed", e.getCause());
        }
    }

    @Override
    public void close() throws IOException {
        if (finished) {
            return;
        }
        try {
            if (uploadId == null) {
                putWhole();
            } else {
                if (filled > 0) {
                    uploadPart();
                }
                completeMultipart();
                uploadId = null; // published: nothing left to abort
            }
            finished = true;
        } catch (IOException | RuntimeException e) {
            abort();
            throw e;
        }
    }

    private void putWhole() throws IOException {
        PutObjectRequest.Builder request = PutObjectRequest.builder().bucket(store.bucket()).key(fullKey).contentLength((long) filled);
        if (mode == WriteMode.IF_ABSENT) {
            request.ifNoneMatch("*");
        }
        store.settings().sse().ifPresent(sse -> request.serverSideEncryption(ServerSideEncryption.fromValue(sse)));
        store.settings().sseKmsKeyId().ifPresent(request::ssekmsKeyId);
        byte[] data = buffer;
        int length = filled;
        try {
            store.client().putObject(request.build(),
                    RequestBody.fromContentProvider(() -> new ByteArrayInputStream(data, 0, length), length, "application/octet-stream"));
        } catch (SdkException e) {
            throw S3Errors.map(e, "PutObject", store.location(), key);
        }
    }

    private void completeMultipart() throws IOException {
        List<CompletedPart> completed = new ArrayList<>(parts.size());
        for (Future<CompletedPart> part : parts) {
            completed.add(join(part));
        }
        try {
            store.client().completeMultipartUpload(b -> {
                b.bucket(store.bucket()).key(fullKey).uploadId(uploadId).multipartUpload(m -> m.parts(completed));
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
        finished = true;
        buffer = new byte[0];
        for (Future<CompletedPart> part : parts) {
            part.cancel(true);
        }
        String id = uploadId;
        uploadId = null;
        if (id != null) {
            try {
                store.client().abortMultipartUpload(b -> b.bucket(store.bucket()).key(fullKey).uploadId(id));
            } catch (SdkException e) {
                // Never throws (contract); a bucket lifecycle rule for incomplete uploads cleans up.
                LOG.warn("could not abort multipart upload: store={} key={} upload_id={} cause={}", store.location(), key, id, e.toString());
            }
        }
    }
}
