package io.etcdbackup.plugins.s3;

import io.etcdbackup.stores.StoreUrl;
import io.etcdbackup.stores.WriteMode;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadResponse;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadResponse;
import software.amazon.awssdk.services.s3.model.ObjectLockMode;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** The requests that publish an object carry the Object Lock mode and date asked for; no network. */
final class S3WriterObjectLockTest {

    private final List<Object> requests = new CopyOnWriteArrayList<>();

    /**
     * An S3 client that records the requests it gets and answers each with an empty success (the
     * SDK's interface declares every operation as a default method that throws).
     */
    private S3Client recordingClient() {
        InvocationHandler handler = (proxy, method, args) -> {
            if (args != null && args.length == 1 && args[0] instanceof java.util.function.Consumer<?>) {
                return InvocationHandler.invokeDefault(proxy, method, args); // builds the request, then calls the overload below
            }
            if (args != null && args.length > 0) {
                requests.add(args[0]);
            }
            return switch (method.getName()) {
                case "putObject" -> PutObjectResponse.builder().eTag("e").build();
                case "createMultipartUpload" -> CreateMultipartUploadResponse.builder().uploadId("u").build();
                case "uploadPart" -> UploadPartResponse.builder().eTag("p").build();
                case "completeMultipartUpload" -> CompleteMultipartUploadResponse.builder().build();
                case "close" -> null;
                default -> throw new UnsupportedOperationException(method.getName());
            };
        };
        return (S3Client) Proxy.newProxyInstance(S3Client.class.getClassLoader(), new Class<?>[] {S3Client.class}, handler);
    }

    private S3ObjectStore store(String options) {
        S3Settings settings = S3Settings.from(StoreUrl.parse("s3://b/p?endpoint=http://127.0.0.1:1" + options))
                .withPartSize(S3Settings.MIN_PART_SIZE);
        return new S3ObjectStore(recordingClient(), settings);
    }

    @Test
    void aSmallObjectIsPutWithTheModeAndItsUploadTimePlusTheRetention() throws Exception {
        Instant before = Instant.now();
        try (S3ObjectStore store = store("&object-lock-seconds=3600&object-lock-mode=COMPLIANCE")) {
            store.put("k", new byte[] {1}, WriteMode.IF_ABSENT);
        }
        PutObjectRequest put = (PutObjectRequest) requests.get(0);
        assertThat(put.objectLockMode()).isEqualTo(ObjectLockMode.COMPLIANCE);
        assertThat(put.objectLockRetainUntilDate()).isBetween(before.plus(Duration.ofHours(1)), Instant.now().plus(Duration.ofHours(1)));
    }

    @Test
    void aMultipartUploadIsCreatedLocked() throws Exception {
        try (S3ObjectStore store = store("&object-lock-seconds=60")) {
            store.put("k", new byte[S3Settings.MIN_PART_SIZE + 1], WriteMode.OVERWRITE);
        }
        CreateMultipartUploadRequest create = requests.stream().filter(CreateMultipartUploadRequest.class::isInstance)
                .map(CreateMultipartUploadRequest.class::cast).findFirst().orElseThrow();
        assertThat(create.objectLockMode()).isEqualTo(ObjectLockMode.GOVERNANCE); // the default mode
        assertThat(create.objectLockRetainUntilDate()).isAfter(Instant.now());
    }

    @Test
    void withoutTheOptionNothingIsLocked() throws Exception {
        try (S3ObjectStore store = store("")) {
            store.put("k", new byte[] {1}, WriteMode.IF_ABSENT);
        }
        PutObjectRequest put = (PutObjectRequest) requests.get(0);
        assertThat(put.objectLockMode()).isNull();
        assertThat(put.objectLockRetainUntilDate()).isNull();
    }
}
