package io.etcdbackup.plugins.gcs;

import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.ObjectStores;
import io.etcdbackup.stores.StoreContext;
import io.etcdbackup.stores.WriteMode;
import io.etcdbackup.stores.conformance.GeneratedBytes;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Opt-in (same variables as {@link GcsRealBucketIT}): more than 1 GiB through the provider into a
 * real bucket, in a JVM capped at 256 MiB of heap (own failsafe execution with -Xmx256m), checked
 * by size and streamed SHA-256 on read-back. The in-memory fake cannot run this: it keeps objects
 * in the test JVM's heap.
 */
final class GcsRealBucketLargeUploadIT {

    private static final long SIZE = (1L << 30) + 12_345;

    @Test
    void moreThanOneGibibyteWithA256MibHeap() throws Exception {
        GcsRealBucketIT.requireBucket();
        assertThat(Runtime.getRuntime().maxMemory()).as("this test must run with -Xmx256m").isLessThanOrEqualTo(256L * 1024 * 1024);
        String url = "gs://" + System.getenv(GcsRealBucketIT.BUCKET_VAR) + "/etcd-backup-it/large-" + UUID.randomUUID();
        try (ObjectStore store = ObjectStores.open(url, new StoreContext(System.getenv()))) {
            GeneratedBytes data = new GeneratedBytes(42, SIZE);
            String written = data.publish(store, "big.bin", WriteMode.IF_ABSENT);
            try {
                data.assertPublishedAt(store, "big.bin", written);
            } finally {
                store.delete("big.bin");
            }
        }
    }
}
