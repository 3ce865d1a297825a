package io.etcdbackup.plugins.azure;

import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.ObjectStores;
import io.etcdbackup.stores.StoreContext;
import io.etcdbackup.stores.conformance.ObjectStoreConformanceSuite;
import io.etcdbackup.stores.conformance.StoreCapabilities;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Opt-in: the conformance suite against a real Azure storage account. Runs when
 * {@code EBA_AZURE_IT_CONTAINER} names an existing container and the environment holds Azure
 * credentials the provider accepts (connection string, account + key, credentials directory or
 * account + SAS token); {@code EBA_AZURE_IT_ENDPOINT} optionally sets {@code endpoint=}.
 * Otherwise every test is reported as skipped with the reason.
 */
final class AzureRealAccountIT extends ObjectStoreConformanceSuite {

    private static final String CONTAINER_VAR = "EBA_AZURE_IT_CONTAINER";

    @Override
    protected ObjectStore openStore(String prefix) throws Exception {
        // Checked per test (the suite opens a store before each), so every test is reported skipped.
        assumeTrue(System.getenv(CONTAINER_VAR) != null && !System.getenv(CONTAINER_VAR).isBlank(),
                "real-Azure tests are opt-in: set " + CONTAINER_VAR + " and Azure credentials (see docs/stores/azure.md)");
        String endpoint = System.getenv("EBA_AZURE_IT_ENDPOINT");
        String url = "azblob://" + System.getenv(CONTAINER_VAR) + "/etcd-backup-it/" + prefix + "?blockSize=1MiB"
                + (endpoint == null || endpoint.isBlank() ? "" : "&endpoint=" + java.net.URLEncoder.encode(endpoint, java.nio.charset.StandardCharsets.UTF_8));
        return ObjectStores.open(url, new StoreContext(System.getenv()));
    }

    @Override
    protected int largeObjectPartSize() {
        return 1024 * 1024;
    }

    /** The provider refuses keys with '\\' (Azure would store them as '/'); real Azure lists in UTF-8 order. */
    @Override
    protected StoreCapabilities capabilities() {
        return StoreCapabilities.standard().backslash(StoreCapabilities.BackslashKeys.REJECTED_BY_PROVIDER);
    }
}
