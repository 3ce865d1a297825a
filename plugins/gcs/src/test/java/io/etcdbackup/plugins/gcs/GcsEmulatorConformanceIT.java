package io.etcdbackup.plugins.gcs;

import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.StoreUrl;
import io.etcdbackup.stores.conformance.ObjectStoreConformanceSuite;
import io.etcdbackup.stores.conformance.StoreCapabilities;
import io.etcdbackup.stores.conformance.StoreCapabilities.Contract;

/**
 * The conformance suite against the Cloud Storage emulator of npm's firebase-tools
 * ({@link GcsEmulator}), through the real Storage client over HTTP: resumable uploads, range
 * reads, paged listings. What the emulator does not honour is declared in {@link #capabilities()}.
 */
final class GcsEmulatorConformanceIT extends ObjectStoreConformanceSuite {

    /**
     * The store with the default options (16MiB chunks): the emulator takes no write of more
     * than one chunk, so the multi-part tests, the only users of a part size, are skipped.
     */
    @Override
    protected ObjectStore openStore(String prefix) throws Exception {
        // The emulator is shared by the test JVM (started on first use); buckets appear on first use.
        StoreUrl url = StoreUrl.parse("gs://eba-conformance/" + prefix);
        return GcsStoreProvider.open(GcsEmulator.shared().client(), url, GcsStoreProvider.settings(url));
    }

    /**
     * Measured against firebase-tools 15.37.0: it lists in JavaScript string (UTF-16) order; it
     * ignores {@code ifGenerationMatch=0}, so an {@code IF_ABSENT} write overwrites; and it
     * finalizes a resumable upload at its first chunk ("Attempt to append to already finalized
     * upload session"), so no object of more than one chunk can be written. Those contracts are
     * left to the in-memory fake ({@link GcsLocalConformanceTest}, which writes multi-chunk
     * objects) and the opt-in real bucket ({@link GcsRealBucketIT}).
     */
    @Override
    protected StoreCapabilities capabilities() {
        return StoreCapabilities.standard().listing(StoreCapabilities.ListingOrder.UTF16_CODE_UNITS)
                .cannotShow(Contract.CONDITIONAL_CREATE, "firebase-tools storage emulator: it ignores ifGenerationMatch=0 (an IF_ABSENT write overwrites)")
                .cannotShow(Contract.MULTI_PART_WRITES, "firebase-tools storage emulator: it finalizes a resumable upload at its first chunk"
                        + " ('Attempt to append to already finalized upload session'); GcsLocalConformanceTest writes multi-chunk objects");
    }
}
