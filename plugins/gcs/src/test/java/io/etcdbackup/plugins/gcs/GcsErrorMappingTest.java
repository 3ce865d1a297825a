package io.etcdbackup.plugins.gcs;

import com.google.cloud.storage.StorageException;
import com.google.cloud.storage.contrib.nio.testing.LocalStorageHelper;
import io.etcdbackup.stores.NoSuchObjectException;
import io.etcdbackup.stores.ObjectAlreadyExistsException;
import io.etcdbackup.stores.TransientStoreException;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;

/** Service errors become the SPI's exceptions. */
final class GcsErrorMappingTest {

    private final GcsObjectStore store = new GcsObjectStore(LocalStorageHelper.getOptions().getService(), "b", "p",
            new GcsObjectStore.Settings(256 * 1024, 10));

    @Test
    void notFoundPreconditionAndTransient() {
        assertThat(store.failure("open", "k", new StorageException(404, "nope"))).isInstanceOf(NoSuchObjectException.class);
        assertThat(store.failure("create", "k", new StorageException(412, "taken"))).isInstanceOf(ObjectAlreadyExistsException.class);
        assertThat(store.failure("open", "k", new StorageException(503, "busy"))).isInstanceOf(TransientStoreException.class);
        assertThat(store.failure("open", "k", new StorageException(429, "slow down"))).isInstanceOf(TransientStoreException.class);
        // Wrapped inside an IOException, as the write channel does.
        assertThat(store.failure("create", "k", new IOException(new StorageException(412, "taken"))))
                .isInstanceOf(ObjectAlreadyExistsException.class);
    }

    @Test
    void forbiddenIsPermanentAndNamed() {
        IOException e = store.failure("open", "k", new StorageException(403, "denied"));
        assertThat(e).isNotInstanceOf(TransientStoreException.class).hasMessageContaining("403").hasMessageContaining("gs://b/p");
    }
}
