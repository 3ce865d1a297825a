package io.etcdbackup.plugins.gcs;

import com.google.cloud.storage.StorageException;
import com.google.cloud.storage.contrib.nio.testing.LocalStorageHelper;
import io.etcdbackup.stores.NoSuchObjectException;
import io.etcdbackup.stores.ObjectAlreadyExistsException;
import io.etcdbackup.stores.ObjectLockedException;
import io.etcdbackup.stores.TransientStoreException;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Instant;

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
    void retentionPoliciesAndHoldsAreLocks() {
        // GCS's answers to deleting a retained or held object, as its JSON API words them
        IOException retained = store.failure("delete", "k", new StorageException(403, "Object 'b/p/k' is subject to bucket's "
                + "retention policy and cannot be deleted, overwritten or archived until 2021-02-05T11:36:47.70576-08:00", "forbidden", null));
        assertThat(retained).isInstanceOf(ObjectLockedException.class).hasMessageContaining("'k'");
        assertThat(((ObjectLockedException) retained).lockedUntil()).contains(Instant.parse("2021-02-05T19:36:47.705760Z"));
        IOException byReason = store.failure("delete", "k", new StorageException(403, "not yet", "retentionPolicyNotMet", null));
        assertThat(byReason).isInstanceOf(ObjectLockedException.class);
        assertThat(((ObjectLockedException) byReason).lockedUntil()).isEmpty();
        IOException held = store.failure("delete", "k", new StorageException(403,
                "Object 'b/p/k' is under active Temporary hold and cannot be deleted, overwritten or archived until hold is removed.",
                "forbidden", null));
        assertThat(held).isInstanceOf(ObjectLockedException.class);
        assertThat(store.failure("delete", "k", new StorageException(403, "denied", "forbidden", null)))
                .isNotInstanceOf(ObjectLockedException.class);
    }

    @Test
    void forbiddenIsPermanentAndNamed() {
        IOException e = store.failure("open", "k", new StorageException(403, "denied"));
        assertThat(e).isNotInstanceOf(TransientStoreException.class).hasMessageContaining("403").hasMessageContaining("gs://b/p");
    }
}
