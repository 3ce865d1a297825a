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
import io.etcdbackup.stores.StoreOptions;
import io.etcdbackup.stores.StoreUrl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.Optional;

/**
 * {@code azblob://CONTAINER/PREFIX}: block blobs in an Azure Blob Storage container.
 *
 * <p>Options (the grammar of {@link StoreOptions}): {@code endpoint} (blob service URL, for
 * emulators and sovereign clouds; path-style {@code http://127.0.0.1:10000/devstoreaccount1} for
 * Azurite), {@code block-size} (bytes per staged block, 1 to 1GiB, default 8MiB),
 * {@code blocks-in-flight} (blocks staged in parallel per upload, 1 to 64, default 4),
 * {@code page-size} (listing page, 1 to 5000, default 1000). The camelCase spellings
 * {@code blockSize}, {@code blocksInFlight}, {@code pageSize} are deprecated aliases. Credentials: see {@link AzureCredentials}; a key from mounted files is re-read after
 * they change. The container must exist.
 */
public final class AzureStoreProvider implements ObjectStoreProvider {

    static final int DEFAULT_BLOCK_SIZE = 8 * 1024 * 1024;
    /** Azure allows 4000 MiB blocks; a block is one Java array here, so 1 GiB is the sane ceiling. */
    static final int MAX_BLOCK_SIZE = 1024 * 1024 * 1024;
    static final int DEFAULT_BLOCKS_IN_FLIGHT = 4;
    static final int DEFAULT_PAGE_SIZE = 1000;
    private static final StoreOptions.Grammar GRAMMAR = StoreOptions.Grammar.of("endpoint", "block-size", "blocks-in-flight", "page-size")
            .alias("blockSize", "block-size").alias("blocksInFlight", "blocks-in-flight").alias("pageSize", "page-size");
    private static final Logger LOG = LoggerFactory.getLogger(AzureStoreProvider.class);

    @Override
    public String scheme() {
        return "azblob";
    }

    @Override
    public ObjectStore open(StoreUrl url, StoreContext context) throws IOException {
        StoreOptions options = GRAMMAR.read(url);
        AzureObjectStore.Settings settings = settings(options);
        Optional<String> endpoint = options.text("endpoint");
        AzureCredentials credentials = AzureCredentials.resolve(context, endpoint);
        BlobContainerClient container = containerClient(credentials, url.container());
        LOG.info("opened Azure store location={} credentials={} endpoint={} block_size={} blocks_in_flight={}", url.display(),
                credentials.kind(), container.getBlobContainerUrl(), settings.blockSize(), settings.blocksInFlight());
        return new AzureObjectStore(container, url.prefix(), settings);
    }

    /** Parses and checks the URL options; unknown ones are rejected by name. */
    static AzureObjectStore.Settings settings(StoreUrl url) {
        return settings(GRAMMAR.read(url));
    }

    private static AzureObjectStore.Settings settings(StoreOptions options) {
        return new AzureObjectStore.Settings(options.intBytes("block-size", DEFAULT_BLOCK_SIZE, 1, MAX_BLOCK_SIZE),
                options.whole("blocks-in-flight", DEFAULT_BLOCKS_IN_FLIGHT, 1, 64),
                options.whole("page-size", DEFAULT_PAGE_SIZE, 1, 5000));
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
}
