package io.etcdbackup.plugins.gcs;

import com.google.auth.oauth2.GoogleCredentials;
import com.google.auth.oauth2.ServiceAccountCredentials;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageOptions;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.ObjectStoreProvider;
import io.etcdbackup.stores.StoreContext;
import io.etcdbackup.stores.StoreOptions;
import io.etcdbackup.stores.StoreUrl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * {@code gs://BUCKET/PREFIX}: objects in a Google Cloud Storage bucket.
 *
 * <p>Options (the grammar of {@link StoreOptions}): {@code endpoint} (storage API host, for
 * emulators or private endpoints), {@code chunk-size} (bytes per resumable-upload request, a
 * multiple of 256KiB from 256KiB to 1GiB, default 16MiB; it is also the upload's memory bound),
 * {@code page-size} (listing page, 1 to 5000, default 1000). The camelCase spellings
 * {@code chunkSize} and {@code pageSize} are deprecated aliases.
 *
 * <p>Credentials: {@code GOOGLE_APPLICATION_CREDENTIALS} from the context names a service-account
 * JSON file, or a directory holding {@code serviceaccount.json} (the reference's mounted secret),
 * read again after it changes ({@link MountedGoogleCredentials}: a rotated key is used by the next
 * call, without a restart); without it, Google's application-default chain (which the Google
 * library resolves itself: gcloud user credentials, then the metadata server / workload identity).
 */
public final class GcsStoreProvider implements ObjectStoreProvider {

    static final String CREDENTIALS = "GOOGLE_APPLICATION_CREDENTIALS";
    static final int CHUNK_GRANULARITY = 256 * 1024;
    static final int DEFAULT_CHUNK_SIZE = 16 * 1024 * 1024;
    static final int DEFAULT_PAGE_SIZE = 1000;
    private static final StoreOptions.Grammar GRAMMAR = StoreOptions.Grammar.of("endpoint", "chunk-size", "page-size")
            .alias("chunkSize", "chunk-size").alias("pageSize", "page-size");
    private static final Logger LOG = LoggerFactory.getLogger(GcsStoreProvider.class);

    @Override
    public String scheme() {
        return "gs";
    }

    @Override
    public ObjectStore open(StoreUrl url, StoreContext context) throws IOException {
        StoreOptions urlOptions = GRAMMAR.read(url);
        GcsObjectStore.Settings settings = settings(urlOptions);
        Optional<Path> credentialsFile = credentialsFile(context);
        StorageOptions.Builder options = StorageOptions.newBuilder();
        if (credentialsFile.isPresent()) {
            MountedGoogleCredentials mounted = MountedGoogleCredentials.open(credentialsFile.get());
            options.setCredentials(mounted);
            // setCredentials takes the project from a service account itself, not through the
            // wrapper. Object calls do not use it, but without one the client would look it up
            // (metadata server). A quota project travels in each version's request headers.
            if (mounted.current() instanceof ServiceAccountCredentials account && account.getProjectId() != null) {
                options.setProjectId(account.getProjectId());
            }
        } else {
            options.setCredentials(applicationDefault());
        }
        urlOptions.text("endpoint").ifPresent(options::setHost);
        Storage storage = options.build().getService();
        LOG.info("opened GCS store location={} credentials={} chunk_size={}", url.display(),
                credentialsFile.map(file -> file + " (re-read when it changes)").orElse("application-default"), settings.chunkSize());
        return open(storage, url, settings);
    }

    /** Opens a store on a given client (tests inject a fake {@link Storage}). */
    static GcsObjectStore open(Storage storage, StoreUrl url, GcsObjectStore.Settings settings) {
        return new GcsObjectStore(storage, url.container(), url.prefix(), settings);
    }

    /** Parses and checks the URL options; unknown ones are rejected by name. */
    static GcsObjectStore.Settings settings(StoreUrl url) {
        return settings(GRAMMAR.read(url));
    }

    private static GcsObjectStore.Settings settings(StoreOptions options) {
        int chunk = options.intBytes("chunk-size", DEFAULT_CHUNK_SIZE, CHUNK_GRANULARITY, 1024 * 1024 * 1024);
        if (chunk % CHUNK_GRANULARITY != 0) {
            throw new IllegalArgumentException("store URL option chunk-size=" + chunk + " bytes must be a multiple of 256 KiB");
        }
        return new GcsObjectStore.Settings(chunk, options.whole("page-size", DEFAULT_PAGE_SIZE, 1, 5000));
    }

    /** The service-account file named by the context: the file itself, or serviceaccount.json in a directory. */
    static Optional<Path> credentialsFile(StoreContext context) throws IOException {
        Optional<String> location = context.env(CREDENTIALS);
        if (location.isEmpty()) {
            return Optional.empty();
        }
        Path path = Path.of(location.get());
        Path file = Files.isDirectory(path) ? path.resolve("serviceaccount.json") : path;
        if (!Files.isRegularFile(file)) {
            throw new IOException(CREDENTIALS + " names '" + path + "', but '" + file + "' is not a readable file"
                    + " (expected a service-account JSON file or a directory holding serviceaccount.json)");
        }
        return Optional.of(file);
    }

    private static GoogleCredentials applicationDefault() throws IOException {
        try {
            return GoogleCredentials.getApplicationDefault();
        } catch (IOException e) {
            throw new IOException("no Google credentials: " + CREDENTIALS + " is not set and the application-default chain found none ("
                    + e.getMessage() + ")", e);
        }
    }
}
