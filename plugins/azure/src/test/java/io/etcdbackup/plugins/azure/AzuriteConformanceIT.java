package io.etcdbackup.plugins.azure;

import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.ObjectStores;
import io.etcdbackup.stores.StoreContext;
import io.etcdbackup.stores.conformance.ObjectStoreConformanceSuite;
import io.etcdbackup.stores.conformance.StoreCapabilities;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.util.Map;

/**
 * The conformance suite against Azurite, started by this test (never skipped: if Azurite cannot
 * be installed or started the whole class fails). The store is opened by URL through the
 * ServiceLoader, exactly as the agent does, with 1 MiB blocks so multi-block paths run quickly.
 */
final class AzuriteConformanceIT extends ObjectStoreConformanceSuite {

    private static final String CONTAINER = "conformance";
    private static final int BLOCK = 1024 * 1024;
    private static Azurite azurite;

    @BeforeAll
    static void startAzurite() throws Exception {
        azurite = Azurite.start();
        azurite.createContainer(CONTAINER);
    }

    @AfterAll
    static void stopAzurite() throws Exception {
        if (azurite != null) {
            azurite.close();
        }
    }

    @Override
    protected ObjectStore openStore(String prefix) throws Exception {
        StoreContext context = new StoreContext(Map.of("AZURE_STORAGE_CONNECTION_STRING", azurite.connectionString()));
        return ObjectStores.open("azblob://" + CONTAINER + "/" + prefix + "?blockSize=" + BLOCK + "&blocksInFlight=3", context);
    }

    @Override
    protected int largeObjectPartSize() {
        return BLOCK;
    }

    /**
     * Azurite lists in UTF-16 code-unit order (JavaScript string order), not UTF-8 byte order; the
     * two differ only between supplementary characters (emoji) and U+E000..U+FFFF. The provider
     * passes the service's order through, so the suite asserts UTF-16 order. Keys this project
     * writes are ASCII, where both orders agree; {@link AzureRealAccountIT} checks real Azure with
     * the standard capabilities. Azure turns '\\' into '/' in blob names, so the provider refuses
     * keys with a backslash rather than let "a\\b" silently become "a/b".
     */
    @Override
    protected StoreCapabilities capabilities() {
        return StoreCapabilities.standard().listing(StoreCapabilities.ListingOrder.UTF16_CODE_UNITS)
                .backslash(StoreCapabilities.BackslashKeys.REJECTED_BY_PROVIDER);
    }
}
