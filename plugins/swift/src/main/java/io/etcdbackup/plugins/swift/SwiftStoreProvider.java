package io.etcdbackup.plugins.swift;

import io.etcdbackup.stores.multipart.UploadThreads;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.ObjectStoreProvider;
import io.etcdbackup.stores.StoreContext;
import io.etcdbackup.stores.StoreOptions;
import io.etcdbackup.stores.StoreUrl;

import java.io.IOException;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * {@code swift://CONTAINER/PREFIX[?segment-size=SIZE&parallel-uploads=N&max-segments=N&interface=public]}:
 * an OpenStack Swift container, logged in through Keystone v3 (see {@link KeystoneCredentials} for
 * where credentials come from; a rotated credentials directory is used for a new login on the
 * next call). The container must exist. Options in the grammar of {@link StoreOptions}:
 * {@code segment-size} (default 16MiB), {@code parallel-uploads} (at least 1, default 4),
 * {@code max-segments} (at least 2, default 1000), {@code interface} ({@code public},
 * {@code internal} or {@code admin}); {@code segment_size}, {@code parallel_uploads},
 * {@code max_segments} are deprecated aliases.
 */
public final class SwiftStoreProvider implements ObjectStoreProvider {

    private static final StoreOptions.Grammar GRAMMAR = StoreOptions.Grammar.of("segment-size", "parallel-uploads", "max-segments", "interface")
            .alias("segment_size", "segment-size").alias("parallel_uploads", "parallel-uploads").alias("max_segments", "max-segments");

    @Override
    public String scheme() {
        return "swift";
    }

    @Override
    public ObjectStore open(StoreUrl url, StoreContext context) throws IOException {
        StoreOptions options = options(url);
        SwiftUploadSettings upload = upload(options);
        String interfaceName = options.oneOf("interface", "public", List.of("public", "internal", "admin"));
        KeystoneCredentials.Source credentials = KeystoneCredentials.source(context);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30))
                .followRedirects(HttpClient.Redirect.NEVER).build();
        KeystoneSession session = new KeystoneSession(credentials, interfaceName, http, Clock.systemUTC());
        return new SwiftObjectStore(url.container(), url.prefix(), session, http, upload, UploadThreads.newPool("swift-upload-"));
    }

    /** Reads the URL's options; unknown ones are refused by name, old spellings warn once. */
    static StoreOptions options(StoreUrl url) {
        return GRAMMAR.read(url);
    }

    /** The upload settings the options ask for. */
    static SwiftUploadSettings upload(StoreOptions options) {
        return new SwiftUploadSettings(
                options.intBytes("segment-size", SwiftUploadSettings.DEFAULT_SEGMENT_SIZE, 1, Integer.MAX_VALUE),
                options.whole("parallel-uploads", SwiftUploadSettings.DEFAULT_IN_FLIGHT, 1, Integer.MAX_VALUE),
                options.whole("max-segments", SwiftUploadSettings.DEFAULT_MAX_SEGMENTS, 2, Integer.MAX_VALUE));
    }
}
