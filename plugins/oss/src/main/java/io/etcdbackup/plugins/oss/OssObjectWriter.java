package io.etcdbackup.plugins.oss;

import com.aliyun.oss.ClientException;
import com.aliyun.oss.OSSException;
import com.aliyun.oss.model.AbortMultipartUploadRequest;
import com.aliyun.oss.model.CompleteMultipartUploadRequest;
import com.aliyun.oss.model.InitiateMultipartUploadRequest;
import com.aliyun.oss.model.ObjectMetadata;
import com.aliyun.oss.model.PartETag;
import com.aliyun.oss.model.PutObjectRequest;
import com.aliyun.oss.model.UploadPartRequest;
import io.etcdbackup.stores.ObjectWriter;
import io.etcdbackup.stores.TransientStoreException;
import io.etcdbackup.stores.WriteMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;

/**
 * Streams one object into OSS: an object that fits in one part is a PutObject on {@link #close()};
 * a larger one starts a multipart upload when the first part is full, uploads parts in parallel (at
 * most {@code partsInFlight} at once, each retried a few times on transient failures, with a
 * Content-MD5 check) and completes on {@link #close()}. Any failure or {@link #abort()} aborts the
 * multipart upload, which frees its parts.
 */
final class OssObjectWriter extends ObjectWriter {

    private static final Logger LOG = LoggerFactory.getLogger(OssObjectWriter.class);
    private static final int PART_ATTEMPTS = 3;

    private final OssObjectStore store;
    private final String key;
    private final String name;
    private final WriteMode mode;
    private final OssUploadSettings settings;
    private final ExecutorService uploads;
    private final Semaphore inFlight;
    private final List<Future<PartETag>> parts = new ArrayList<>();
    private String uploadId;
    private byte[] buffer;
    private int filled;
    private boolean finished;

    OssObjectWriter(OssObjectStore store, String key, WriteMode mode, OssUploadSettings settings, ExecutorService uploads) {
        this.store = store;
        this.key = key;
        this.name = store.name(key);
        this.mode = mode;
        this.settings = settings;
        this.uploads = uploads;
        this.inFlight = new Semaphore(settings.partsInFlight());
        this.buffer = new byte[Math.min(settings.partSize(), 64 * 1024)];
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
            if (filled == settings.partSize()) {
                startPart(); // only once more bytes follow: an object of exactly one part stays one PutObject
            }
            if (filled == buffer.length) {
                byte[] bigger = new byte[(int) Math.min(settings.partSize(), 2L * buffer.length)];
                System.arraycopy(buffer, 0, bigger, 0, filled);
                buffer = bigger;
            }
            int n = Math.min(len, buffer.length - filled);
            System.arraycopy(b, off, buffer, filled, n);
            filled += n;
            off += n;
            len -= n;
        }
    }

    @Override
    public void close() throws IOException {
        if (finished) {
            return;
        }
        finished = true;
        try {
            if (uploadId == null) {
                putWhole();
            } else {
                if (filled > 0) {
                    startPart();
                }
                complete(awaitParts());
            }
        } catch (IOException | RuntimeException e) {
            abortUpload();
            throw e;
        } finally {
            buffer = null;
        }
    }

    @Override
    public void abort() {
        finished = true;
        buffer = null;
        abortUpload();
    }

    private void putWhole() throws IOException {
        ObjectMetadata metadata = new ObjectMetadata();
        metadata.setContentLength(filled);
        metadata.setContentMD5(md5(buffer, filled));
        if (mode == WriteMode.IF_ABSENT) {
            metadata.setHeader(OssObjectStore.FORBID_OVERWRITE, "true");
        }
        try {
            store.client().putObject(new PutObjectRequest(store.bucket(), name, new ByteArrayInputStream(buffer, 0, filled), metadata));
        } catch (OSSException | ClientException e) {
            throw store.translate("PutObject", key, e);
        }
    }

    private void complete(List<PartETag> etags) throws IOException {
        CompleteMultipartUploadRequest request = new CompleteMultipartUploadRequest(store.bucket(), name, uploadId, etags);
        if (mode == WriteMode.IF_ABSENT) {
            request.addHeader(OssObjectStore.FORBID_OVERWRITE, "true");
        }
        try {
            store.client().completeMultipartUpload(request);
        } catch (OSSException | ClientException e) {
            throw store.translate("CompleteMultipartUpload", key, e);
        }
        uploadId = null; // published: nothing to abort any more
    }

    private void startPart() throws IOException {
        if (uploadId == null) {
            try {
                uploadId = store.client().initiateMultipartUpload(new InitiateMultipartUploadRequest(store.bucket(), name)).getUploadId();
            } catch (OSSException | ClientException e) {
                throw store.translate("InitiateMultipartUpload", key, e);
            }
        }
        int number = parts.size() + 1;
        if (number > OssUploadSettings.MAX_PARTS) {
            throw new IOException("object '" + key + "' in " + store.location() + " needs more than " + OssUploadSettings.MAX_PARTS
                    + " parts of " + settings.partSize() + " bytes; raise part_size in the store URL");
        }
        try {
            inFlight.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting to upload a part of '" + key + "'");
        }
        byte[] data = buffer;
        int size = filled;
        String id = uploadId;
        try {
            parts.add(uploads.submit(() -> {
                try {
                    return uploadPart(id, number, data, size);
                } finally {
                    inFlight.release();
                }
            }));
        } catch (RuntimeException e) {
            inFlight.release();
            throw new IOException("cannot start uploading part " + number + " of '" + key + "': " + e, e);
        }
        buffer = new byte[settings.partSize()];
        filled = 0;
        for (Future<PartETag> part : parts) {
            if (part.isDone()) {
                get(part); // surface a failed part now rather than at close
            }
        }
    }

    private PartETag uploadPart(String id, int number, byte[] data, int size) throws IOException, InterruptedException {
        String md5 = md5(data, size);
        for (int attempt = 1; ; attempt++) {
            UploadPartRequest request = new UploadPartRequest(store.bucket(), name, id, number, new ByteArrayInputStream(data, 0, size), size);
            request.setMd5Digest(md5);
            try {
                return store.client().uploadPart(request).getPartETag();
            } catch (OSSException | ClientException e) {
                IOException failure = store.translate("UploadPart " + number, key, e);
                if (!(failure instanceof TransientStoreException) || attempt >= PART_ATTEMPTS) {
                    throw failure;
                }
                Thread.sleep(200L * attempt);
            }
        }
    }

    private List<PartETag> awaitParts() throws IOException {
        List<PartETag> etags = new ArrayList<>();
        for (Future<PartETag> part : parts) {
            etags.add(get(part));
        }
        return etags;
    }

    private PartETag get(Future<PartETag> part) throws IOException {
        try {
            return part.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while uploading parts of '" + key + "'");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException("uploading a part of '" + key + "' in " + store.location() + " failed: " + e.getCause(), e.getCause());
        }
    }

    /** Waits for parts in flight, then aborts the multipart upload (best effort, never throws). */
    private void abortUpload() {
        for (Future<PartETag> part : parts) {
            try {
                part.get();
            } catch (ExecutionException | RuntimeException e) {
                // the upload is being abandoned anyway
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        parts.clear();
        String id = uploadId;
        uploadId = null;
        if (id == null) {
            return;
        }
        try {
            store.client().abortMultipartUpload(new AbortMultipartUploadRequest(store.bucket(), name, id));
        } catch (OSSException | ClientException e) {
            LOG.warn("multipart upload left behind location={} key={} uploadId={} error={}", store.location(), key, id, e.getMessage());
        }
    }

    private static String md5(byte[] data, int length) {
        try {
            MessageDigest md5 = MessageDigest.getInstance("MD5");
            md5.update(data, 0, length);
            return Base64.getEncoder().encodeToString(md5.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always has MD5", e);
        }
    }
}
