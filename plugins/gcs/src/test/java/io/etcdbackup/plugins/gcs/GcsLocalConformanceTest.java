package io.etcdbackup.plugins.gcs;

import com.google.cloud.storage.Storage;
import com.google.cloud.storage.contrib.nio.testing.LocalStorageHelper;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.StoreUrl;
import io.etcdbackup.stores.conformance.ObjectStoreConformanceSuite;
import io.etcdbackup.stores.conformance.StoreCapabilities;
import io.etcdbackup.stores.conformance.StoreCapabilities.Contract;

/**
 * The conformance suite against {@link LocalStorageHelper}, google-cloud-nio's in-memory fake of
 * the Storage client. What the fake cannot show is declared in {@link #capabilities()} and
 * reported as skipped with the fake's limitation; those contracts are checked against a real
 * bucket by {@link GcsRealBucketIT}.
 */
final class GcsLocalConformanceTest extends ObjectStoreConformanceSuite {

    private static final int CHUNK = 256 * 1024;
    // One fake for the whole class: stores opened with the same prefix must see the same objects.
    private static final Storage FAKE = LocalStorageHelper.getOptions().getService();

    @Override
    protected ObjectStore openStore(String prefix) {
        StoreUrl url = StoreUrl.parse("gs://fake-bucket/" + prefix);
        return GcsStoreProvider.open(FAKE, url, new GcsObjectStore.Settings(CHUNK, 1000));
    }

    @Override
    protected int largeObjectPartSize() {
        return CHUNK;
    }

    /**
     * What the fake cannot show; each contract is checked against a real bucket by
     * {@link GcsRealBucketIT}.
     */
    @Override
    protected StoreCapabilities capabilities() {
        String unfinished = "LocalStorageHelper fake: it publishes an object's metadata when the upload session opens, so stat/list"
                + " see unfinished and aborted uploads (real GCS shows an object only when the upload finalizes; GcsRealBucketIT checks this)";
        return StoreCapabilities.standard()
                // It lists in hash order, not sorted (real GCS lists in lexicographic UTF-8 order).
                .listing(StoreCapabilities.ListingOrder.UNORDERED)
                .cannotShow(Contract.INVISIBLE_UNTIL_PUBLISHED, unfinished)
                .cannotShow(Contract.CONDITIONAL_CREATE, "LocalStorageHelper fake: it checks ifGenerationMatch=0 when the session opens,"
                        + " against metadata that unfinished uploads already published, and reports it as status 0"
                        + " (FileAlreadyExistsException), not 412 (GcsRealBucketIT checks the real precondition)")
                .cannotShow(Contract.LISTING_PAGES, "LocalStorageHelper fake: it returns only the first page (it ignores page tokens),"
                        + " so paging cannot be shown; GcsRealBucketIT checks it")
                .cannotShow(Contract.SPECIAL_CHARACTER_KEYS, "LocalStorageHelper fake: a key with URL-reserved characters"
                        + " (a b+c%20d?e#f...) written through it reads back as NoSuchObject (seen here, cause inside the fake not traced);"
                        + " GcsRealBucketIT checks these keys on real GCS");
    }
}
