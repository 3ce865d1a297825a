package io.etcdbackup.plugins.gcs;

import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.ObjectStores;
import io.etcdbackup.stores.StoreContext;
import io.etcdbackup.stores.conformance.ObjectStoreConformanceSuite;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Opt-in: the whole conformance suite, unmodified, against a real GCS bucket: the contracts the
 * in-memory fake cannot show (atomic visibility, ifGenerationMatch=0, sorted and paged listing,
 * reserved characters in keys). Runs when {@code EBA_GCS_IT_BUCKET} names a bucket and
 * {@code GOOGLE_APPLICATION_CREDENTIALS} a service-account JSON that may write to it; otherwise
 * every test is reported as skipped with the reason.
 */
final class GcsRealBucketIT extends ObjectStoreConformanceSuite {

    static final String BUCKET_VAR = "EBA_GCS_IT_BUCKET";

    static void requireBucket() {
        String bucket = System.getenv(BUCKET_VAR);
        assumeTrue(bucket != null && !bucket.isBlank() && System.getenv("GOOGLE_APPLICATION_CREDENTIALS") != null,
                "real-GCS tests are opt-in: set " + BUCKET_VAR + " and GOOGLE_APPLICATION_CREDENTIALS (see docs/stores/gcs.md)");
    }

    @Override
    protected ObjectStore openStore(String prefix) throws Exception {
        requireBucket(); // per test, so every test is reported skipped when not configured
        return ObjectStores.open("gs://" + System.getenv(BUCKET_VAR) + "/etcd-backup-it/" + prefix + "?chunkSize=1MiB",
                new StoreContext(System.getenv()));
    }

    @Override
    protected int largeObjectPartSize() {
        return 1024 * 1024;
    }
}
