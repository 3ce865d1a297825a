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
import io.etcdbackup.stores.multipart.PartDigests;
import io.etcdbackup.stores.ObjectWriter;
import io.etcdbackup.stores.WriteMode;
import io.etcdbackup.stores.multipart.MultipartObjectWriter;
import io.etcdbackup.stores.multipart.MultipartTarget;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;

/**
 * The OSS calls behind a {@link MultipartObjectWriter}: an object that fits in one part is a
 * PutObject, a larger one a multipart upload (parts retried a few times on transient failures by
 * the writer). Every request carries a Content-MD5 check; {@link WriteMode#IF_ABSENT} sends
 * {@code x-oss-forbid-overwrite} with the publishing request. Aborting frees the uploaded parts.
 */
final class OssObjectWriter implements MultipartTarget<PartETag> {

    private static final Logger LOG = LoggerFactory.getLogger(OssObjectWriter.class);
    private static final int PART_ATTEMPTS = 3;

    private final OssObjectStore store;
    private final String key;
    private final String name;
    private final WriteMode mode;
    private volatile String uploadId;

    private OssObjectWriter(OssObjectStore store, String key, WriteMode mode) {
        this.store = store;
        this.key = key;
        this.name = store.name(key);
        this.mode = mode;
    }

    static ObjectWriter open(OssObjectStore store, String key, WriteMode mode, OssUploadSettings settings, ExecutorService uploads) {
        return new MultipartObjectWriter<>(key, store.location(), new OssObjectWriter(store, key, mode),
                settings.partSize(), settings.partsInFlight(), OssUploadSettings.MAX_PARTS, PART_ATTEMPTS, uploads);
    }

    @Override
    public void putWhole(byte[] data, int length) throws IOException {
        ObjectMetadata metadata = new ObjectMetadata();
        metadata.setContentLength(length);
        metadata.setContentMD5(md5(data, length));
        if (mode == WriteMode.IF_ABSENT) {
            metadata.setHeader(OssObjectStore.FORBID_OVERWRITE, "true");
        }
        try {
            store.client().putObject(new PutObjectRequest(store.bucket(), name, new ByteArrayInputStream(data, 0, length), metadata));
        } catch (OSSException | ClientException e) {
            throw store.translate("PutObject", key, e);
        }
    }

    @Override
    public void begin() throws IOException {
        try {
            uploadId = store.client().initiateMultipartUpload(new InitiateMultipartUploadRequest(store.bucket(), name)).getUploadId();
        } catch (OSSException | ClientException e) {
            throw store.translate("InitiateMultipartUpload", key, e);
        }
    }

    @Override
    public PartETag uploadPart(int number, byte[] data, int length) throws IOException {
        UploadPartRequest request = new UploadPartRequest(store.bucket(), name, uploadId, number, new ByteArrayInputStream(data, 0, length), length);
        request.setMd5Digest(md5(data, length));
        try {
            return store.client().uploadPart(request).getPartETag();
        } catch (OSSException | ClientException e) {
            throw store.translate("UploadPart " + number, key, e);
        }
    }

    @Override
    public void complete(List<PartETag> parts) throws IOException {
        CompleteMultipartUploadRequest request = new CompleteMultipartUploadRequest(store.bucket(), name, uploadId, parts);
        if (mode == WriteMode.IF_ABSENT) {
            request.addHeader(OssObjectStore.FORBID_OVERWRITE, "true");
        }
        try {
            store.client().completeMultipartUpload(request);
        } catch (OSSException | ClientException e) {
            throw store.translate("CompleteMultipartUpload", key, e);
        }
    }

    @Override
    public void abort() {
        String id = uploadId;
        try {
            store.client().abortMultipartUpload(new AbortMultipartUploadRequest(store.bucket(), name, id));
        } catch (OSSException | ClientException e) {
            LOG.warn("multipart upload left behind location={} key={} uploadId={}", store.location(), key, id, e);
        }
    }

    private static String md5(byte[] data, int length) {
        return Base64.getEncoder().encodeToString(PartDigests.md5(data, length));
    }
}
