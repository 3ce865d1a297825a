package io.etcdbackup.plugins.swift;

import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.ObjectStoreProvider;
import io.etcdbackup.stores.StoreContext;
import io.etcdbackup.stores.StoreUrl;

import java.io.IOException;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code swift://CONTAINER/PREFIX[?segment_size=BYTES&parallel_uploads=N&max_segments=N&interface=public]}:
 * an OpenStack Swift container, logged in through Keystone v3 (see {@link KeystoneCredentials} for
 * where credentials come from; a rotated credentials directory is used for a new login on the
 * next call). The container must exist.
 */
public final class SwiftStoreProvider implements ObjectStoreProvider {

    private static final Set<String> OPTIONS = Set.of("segment_size", "parallel_uploads", "max_segments", "interface");
    private static final AtomicInteger THREADS = new AtomicInteger();

    @Override
    public String scheme() {
        return "swift";
    }

    @Override
    public ObjectStore open(StoreUrl url, StoreContext context) throws IOException {
        url.requireOnlyOptions(OPTIONS);
        SwiftUploadSettings upload = new SwiftUploadSettings(
                intOption(url, "segment_size", SwiftUploadSettings.DEFAULT_SEGMENT_SIZE),
                intOption(url, "parallel_uploads", SwiftUploadSettings.DEFAULT_IN_FLIGHT),
                intOption(url, "max_segments", SwiftUploadSettings.DEFAULT_MAX_SEGMENTS));
        String interfaceName = url.option("interface").orElse("public");
        if (!Set.of("public", "internal", "admin").contains(interfaceName)) {
            throw new IllegalArgumentException("store URL '" + url.display() + "' has interface=" + interfaceName
                    + "; expected public, internal or admin");
        }
        KeystoneCredentials.Source credentials = KeystoneCredentials.source(context);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30))
                .followRedirects(HttpClient.Redirect.NEVER).build();
        KeystoneSession session = new KeystoneSession(credentials, interfaceName, http, Clock.systemUTC());
        ExecutorService uploads = Executors.newCachedThreadPool(task -> {
            Thread thread = new Thread(task, "swift-upload-" + THREADS.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        return new SwiftObjectStore(url.container(), url.prefix(), session, http, upload, uploads);
    }

    private static int intOption(StoreUrl url, String name, int fallback) {
        String value = url.option(name).orElse(null);
        if (value == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("store URL '" + url.display() + "' has " + name + "=" + value + "; expected a whole number");
        }
    }
}
