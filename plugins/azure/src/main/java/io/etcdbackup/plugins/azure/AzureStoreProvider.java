package io.etcdbackup.plugins.azure;

import com.azure.core.credential.AzureNamedKeyCredential;
import com.azure.core.http.HttpClient;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.common.StorageSharedKeyCredential;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.ObjectStoreProvider;
import io.etcdbackup.stores.StoreContext;
import io.etcdbackup.stores.StoreUrl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * {@code azblob://CONTAINER/PREFIX}: block blobs in an Azure Blob Storage container.
 *
 * <p>Options: {@code endpoint} (blob service URL, for emulators and sovereign clouds; path-style
 * {@code http://127.0.0.1:10000/devstoreaccount1} for Azurite), {@code blockSize} (bytes per
 * staged block, suffix {@code KiB}/{@code MiB} allowed, default 8 MiB), {@code blocksInFlight}
 * (blocks staged in parallel per upload, default 4), {@code pageSize} (listing page, 1-5000,
 * default 1000). Credentials: see {@link AzureCredentials}; a key from mounted files is re-read after
 * they change. The container must exist.
 */
public final class AzureStoreProvider implements ObjectStoreProvider {

    static final int DEFAULT_BLOCK_SIZE = 8 * 1024 * 1024;
    /** Azure allows 4000 MiB blocks; a block is one Java array here, so 1 GiB is the sane ceiling. */
    static final int MAX_BLOCK_SIZE = 1024 * 1024 * 1024;
    static final int DEFAULT_BLOCKS_IN_FLIGHT = 4;
    static final int DEFAULT_PAGE_SIZE = 1000;
    private static final Set<String> OPTIONS = Set.of("endpoint", "blockSize", "blocksInFlight", "pageSize");
    private static final Logger LOG = LoggerFactory.getLogger(AzureStoreProvider.class);

    @Override
    public String scheme() {
        return "azblob";
    }

    @Override
    public ObjectStore open(StoreUrl url, StoreContext context) throws IOException {
        AzureObjectStore.Settings settings = settings(url);
        Optional<String> endpoint = url.option("endpoint");
        AzureCredentials credentials = AzureCredentials.resolve(context, endpoint);
        BlobContainerClient container = containerClient(credentials, url.container());
        LOG.info("opened Azure store location={} credentials={} endpoint={} blockSize={} blocksInFlight={}", url.display(),
                credentials.kind(), container.getBlobContainerUrl(), settings.blockSize(), settings.blocksInFlight());
        return new AzureObjectStore(container, url.prefix(), settings);
    }

    /** Parses and checks the URL options; unknown ones are rejected by name. */
    static AzureObjectStore.Settings settings(StoreUrl url) {
        url.requireOnlyOptions(OPTIONS);
        int blockSize = url.option("blockSize").map(v -> size(url, "blockSize", v)).orElse(DEFAULT_BLOCK_SIZE);
        int inFlight = url.option("blocksInFlight").map(v -> integer(url, "blocksInFlight", v, 1, 64)).orElse(DEFAULT_BLOCKS_IN_FLIGHT);
        int pageSize = url.option("pageSize").map(v -> integer(url, "pageSize", v, 1, 5000)).orElse(DEFAULT_PAGE_SIZE);
        return new AzureObjectStore.Settings(blockSize, inFlight, pageSize);
    }

    static BlobContainerClient containerClient(AzureCredentials credentials, String container) {
        // The JDK HTTP client instead of the SDK's netty one: the agent's netty belongs to jetcd.
        HttpClient http = new JdkHttpClientBuilder().build();
        BlobServiceClientBuilder builder = new BlobServiceClientBuilder().httpClient(http);
        switch (credentials.kind()) {
            case CONNECTION_STRING -> {
                builder.connectionString(credentials.connectionString());
                if (credentials.endpoint() != null) {
                    builder.endpoint(credentials.endpoint());
                }
            }
            case ACCOUNT_KEY -> builder.endpoint(credentials.endpoint())
                    .credential(new StorageSharedKeyCredential(credentials.account(), credentials.secret()));
            case CREDENTIALS_FILES -> {
                // The SDK signs with whatever key this credential holds at the time; the policy keeps it current.
                AzureNamedKeyCredential key = new AzureNamedKeyCredential(credentials.account(), credentials.secret());
                builder.endpoint(credentials.endpoint()).credential(key)
                        .addPolicy(new MountedAccountKeyPolicy(credentials.mounted(), credentials.account(), key));
            }
            case SAS_TOKEN -> builder.endpoint(credentials.endpoint()).sasToken(credentials.secret());
            case IDENTITY -> builder.endpoint(credentials.endpoint())
                    .credential(new com.azure.identity.DefaultAzureCredentialBuilder().httpClient(http).build());
        }
        return builder.buildClient().getBlobContainerClient(container);
    }

    private static int size(StoreUrl url, String name, String value) {
        String v = value.strip().toLowerCase(Locale.ROOT);
        long unit = 1;
        if (v.endsWith("kib")) {
            unit = 1024;
            v = v.substring(0, v.length() - 3);
        } else if (v.endsWith("mib")) {
            unit = 1024 * 1024;
            v = v.substring(0, v.length() - 3);
        }
        long bytes;
        try {
            bytes = Long.parseLong(v.strip()) * unit;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("store URL '" + url.display() + "' option " + name + "='" + value + "' is not a size (e.g. 8MiB)");
        }
        if (bytes < 1 || bytes > MAX_BLOCK_SIZE) {
            throw new IllegalArgumentException("store URL '" + url.display() + "' option " + name + "='" + value + "' must be 1 byte to 1024 MiB");
        }
        return (int) bytes;
    }

    private static int integer(StoreUrl url, String name, String value, int min, int max) {
        try {
            int n = Integer.parseInt(value.strip());
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("store URL '" + url.display() + "' option " + name + "='" + value + "' must be an integer " + min + "-" + max);
    }
}
