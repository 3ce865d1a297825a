package io.etcdbackup.plugins.oss;

import io.etcdbackup.stores.multipart.UploadThreads;
import com.aliyun.oss.ClientBuilderConfiguration;
import com.aliyun.oss.OSS;
import com.aliyun.oss.OSSClientBuilder;
import com.aliyun.oss.common.comm.SignVersion;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.ObjectStoreProvider;
import io.etcdbackup.stores.StoreContext;
import io.etcdbackup.stores.StoreOptions;
import io.etcdbackup.stores.StoreUrl;

import java.io.IOException;

/**
 * {@code oss://BUCKET/PREFIX?endpoint=https://oss-REGION.aliyuncs.com[&part-size=SIZE&parallel-uploads=N&path-style=true]}:
 * an Alibaba Cloud OSS bucket. Options in the grammar of {@link StoreOptions}: {@code part-size}
 * (100KiB up, default 16MiB), {@code parallel-uploads} (at least 1, default 4), {@code path-style}
 * (default false); {@code part_size}, {@code parallel_uploads}, {@code path_style} are deprecated aliases. The endpoint comes from the URL or, failing that, the credentials
 * directory's {@code storageEndpoint}; credentials per {@link OssCredentials} (a mounted directory is
 * re-read after it changes). Requests are signed with OSS signature V1.
 */
public final class OssStoreProvider implements ObjectStoreProvider {

    private static final StoreOptions.Grammar GRAMMAR = StoreOptions.Grammar.of("endpoint", "part-size", "parallel-uploads", "path-style")
            .alias("part_size", "part-size").alias("parallel_uploads", "parallel-uploads").alias("path_style", "path-style");

    @Override
    public String scheme() {
        return "oss";
    }

    @Override
    public ObjectStore open(StoreUrl url, StoreContext context) throws IOException {
        StoreOptions options = options(url);
        OssUploadSettings upload = upload(options);
        OssCredentials credentials = OssCredentials.from(context);
        String endpoint = options.text("endpoint").orElse(credentials.endpoint());
        if (endpoint.isEmpty()) {
            throw new IllegalArgumentException("store URL '" + url.display() + "' names no endpoint: add ?endpoint=https://oss-REGION.aliyuncs.com"
                    + " (or a storageEndpoint file in " + OssCredentials.CREDENTIALS_DIR_ENV + ")");
        }
        ClientBuilderConfiguration config = new ClientBuilderConfiguration();
        config.setSignatureVersion(SignVersion.V1);
        // Path-style addressing (endpoint/bucket/key) for private endpoints and loopback servers.
        config.setSLDEnabled(options.bool("path-style", false));
        config.setMaxErrorRetry(2);
        OSS client = new OSSClientBuilder().build(endpoint, credentials.provider(), config);
        return new OssObjectStore(client, url.container(), url.prefix(), upload, UploadThreads.newPool("oss-upload-"));
    }

    /** Reads the URL's options; unknown ones are refused by name, old spellings warn once. */
    static StoreOptions options(StoreUrl url) {
        return GRAMMAR.read(url);
    }

    /** The upload settings the options ask for. */
    static OssUploadSettings upload(StoreOptions options) {
        return new OssUploadSettings(
                options.intBytes("part-size", OssUploadSettings.DEFAULT_PART_SIZE, OssUploadSettings.MIN_PART_SIZE, Integer.MAX_VALUE),
                options.whole("parallel-uploads", OssUploadSettings.DEFAULT_IN_FLIGHT, 1, Integer.MAX_VALUE));
    }
}
