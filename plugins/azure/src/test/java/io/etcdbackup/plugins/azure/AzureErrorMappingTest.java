package io.etcdbackup.plugins.azure;

import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpHeaders;
import com.azure.core.http.HttpMethod;
import com.azure.core.http.HttpRequest;
import com.azure.core.http.HttpResponse;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.blob.models.BlobStorageException;
import io.etcdbackup.stores.NoSuchObjectException;
import io.etcdbackup.stores.ObjectAlreadyExistsException;
import io.etcdbackup.stores.ObjectLockedException;
import io.etcdbackup.stores.TransientStoreException;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;

import static org.assertj.core.api.Assertions.assertThat;

/** Service errors become the SPI's exceptions; no network (the client is never called). */
final class AzureErrorMappingTest {

    private final AzureObjectStore store = new AzureObjectStore(
            new BlobServiceClientBuilder().endpoint("http://127.0.0.1:1/devstoreaccount1")
                    .httpClient(new com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder().build())
                    .buildClient().getBlobContainerClient("c"),
            "p", new AzureObjectStore.Settings(1024, 1, 10));

    @Test
    void blobNotFoundIsNoSuchObject() {
        assertThat(store.failure("stat", "k", error(404, "BlobNotFound"))).isInstanceOf(NoSuchObjectException.class);
    }

    @Test
    void missingContainerIsNotNoSuchObject() {
        IOException e = store.failure("stat", "k", error(404, "ContainerNotFound"));
        assertThat(e).isNotInstanceOf(NoSuchObjectException.class).hasMessageContaining("container 'c' does not exist");
    }

    @Test
    void refusedConditionalWritesAreAlreadyExists() {
        assertThat(store.failure("create", "k", error(409, "BlobAlreadyExists"))).isInstanceOf(ObjectAlreadyExistsException.class);
        assertThat(store.failure("create", "k", error(412, "ConditionNotMet"))).isInstanceOf(ObjectAlreadyExistsException.class);
    }

    @Test
    void throttlingServerErrorsAndBrokenConnectionsAreTransient() {
        assertThat(store.failure("open", "k", error(503, "ServerBusy"))).isInstanceOf(TransientStoreException.class);
        assertThat(store.failure("open", "k", error(429, "TooManyRequests"))).isInstanceOf(TransientStoreException.class);
        assertThat(store.failure("open", "k", error(500, "InternalError"))).isInstanceOf(TransientStoreException.class);
        assertThat(store.failure("open", "k", new UncheckedIOException(new ConnectException("refused"))))
                .isInstanceOf(TransientStoreException.class);
    }

    @Test
    void anImmutableBlobIsLocked() {
        // Azure's answer to deleting or replacing a blob under a time-based retention policy or legal hold
        IOException e = store.failure("delete", "k", error(409, "BlobImmutableDueToPolicy"));
        assertThat(e).isInstanceOf(ObjectLockedException.class).hasMessageContaining("BlobImmutableDueToPolicy")
                .hasMessageContaining("'k'");
    }

    @Test
    void authorizationFailureIsPermanentAndNamed() {
        IOException e = store.failure("open", "k", error(403, "AuthorizationFailure"));
        assertThat(e).isNotInstanceOf(TransientStoreException.class).hasMessageContaining("403").hasMessageContaining("'k'")
                .hasMessageContaining("azblob://c/p");
    }

    private static BlobStorageException error(int status, String code) {
        return new BlobStorageException(code, new FakeResponse(status, code), null);
    }

    /** The least of an HTTP response the SDK reads for an error: status and x-ms-error-code. */
    private static final class FakeResponse extends HttpResponse {
        private final int status;
        private final HttpHeaders headers;

        FakeResponse(int status, String code) {
            super(new HttpRequest(HttpMethod.GET, "http://127.0.0.1:1/devstoreaccount1/c/p/k"));
            this.status = status;
            this.headers = new HttpHeaders().set(HttpHeaderName.fromString("x-ms-error-code"), code);
        }

        @Override
        public int getStatusCode() {
            return status;
        }

        @Override
        @Deprecated
        public String getHeaderValue(String name) {
            return headers.getValue(name);
        }

        @Override
        public HttpHeaders getHeaders() {
            return headers;
        }

        @Override
        public Flux<ByteBuffer> getBody() {
            return Flux.empty();
        }

        @Override
        public Mono<byte[]> getBodyAsByteArray() {
            return Mono.empty();
        }

        @Override
        public Mono<String> getBodyAsString() {
            return Mono.empty();
        }

        @Override
        public Mono<String> getBodyAsString(Charset charset) {
            return Mono.empty();
        }
    }
}
