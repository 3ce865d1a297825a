package io.etcdbackup.plugins.gcs;

import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.StoreUrl;
import io.etcdbackup.stores.conformance.ObjectStoreConformanceSuite;
import io.etcdbackup.stores.conformance.StoreCapabilities;
import io.etcdbackup.stores.conformance.StoreCapabilities.Contract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The conformance suite against the Cloud Storage emulator of npm's firebase-tools
 * ({@link GcsEmulator}), through the real Storage client over HTTP: resumable uploads, range
 * reads, paged listings. What the emulator does not honour is declared in {@link #capabilities()}.
 */
final class GcsEmulatorConformanceIT extends ObjectStoreConformanceSuite {

    private static final int CHUNK = 256 * 1024;
    private static GcsEmulator emulator;

    @BeforeAll
    static void startEmulator() throws Exception {
        emulator = GcsEmulator.start();
    }

    @AfterAll
    static void stopEmulator() throws Exception {
        if (emulator != null) {
            emulator.close();
        }
    }

    @Override
    protected ObjectStore openStore(String prefix) {
        StoreUrl url = StoreUrl.parse("gs://eba-conformance/" + prefix);
        return GcsStoreProvider.open(emulator.client(), url, new GcsObjectStore.Settings(CHUNK, 1000));
    }

    @Override
    protected int largeObjectPartSize() {
        return CHUNK;
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
