package io.etcdbackup.plugins.oss;

import com.aliyun.oss.ClientBuilderConfiguration;
import com.aliyun.oss.OSS;
import com.aliyun.oss.OSSClientBuilder;
import com.aliyun.oss.common.comm.SignVersion;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.ObjectStoreProvider;
import io.etcdbackup.stores.StoreContext;
import io.etcdbackup.stores.StoreUrl;

import java.io.IOException;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code oss://BUCKET/PREFIX?endpoint=https://oss-REGION.aliyuncs.com[&part_size=BYTES&parallel_uploads=N&path_style=true]}:
 * an Alibaba Cloud OSS bucket. The endpoint comes from the URL or, failing that, the credentials
 * directory's {@code storageEndpoint}; credentials per {@link OssCredentials} (a mounted directory is
 * re-read after it changes). Requests are signed with OSS signature V1.
 */
public final class OssStoreProvider implements ObjectStoreProvider {

    private static final Set<String> OPTIONS = Set.of("endpoint", "part_size", "parallel_uploads", "path_style");
    private static final AtomicInteger THREADS = new AtomicInteger();

    @Override
    public String scheme() {
        return "oss";
    }

    @Override
    public ObjectStore open(StoreUrl url, StoreContext context) throws IOException {
        url.requireOnlyOptions(OPTIONS);
        OssUploadSettings upload = new OssUploadSettings(intOption(url, "part_size", OssUploadSettings.DEFAULT_PART_SIZE),
                intOption(url, "parallel_uploads", OssUploadSettings.DEFAULT_IN_FLIGHT));
        OssCredentials credentials = OssCredentials.from(context);
        String endpoint = url.option("endpoint").orElse(credentials.endpoint());
        if (endpoint.isEmpty()) {
            throw new IllegalArgumentException("store URL '" + url.display() + "' names no endpoint: add ?endpoint=https://oss-REGION.aliyuncs.com"
                    + " (or a storageEndpoint file in " + OssCredentials.CREDENTIALS_DIR_ENV + ")");
        }
        ClientBuilderConfiguration config = new ClientBuilderConfiguration();
        config.setSignatureVersion(SignVersion.V1);
        // Path-style addressing (endpoint/bucket/key) for private endpoints and loopback servers.
        config.setSLDEnabled(Boolean.parseBoolean(url.option("path_style").orElse("false")));
        config.setMaxErrorRetry(2);
        OSS client = new OSSClientBuilder().build(endpoint, credentials.provider(), config);
        ExecutorService uploads = Executors.newCachedThreadPool(task -> {
            Thread thread = new Thread(task, "oss-upload-" + THREADS.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        return new OssObjectStore(client, url.container(), url.prefix(), upload, uploads);
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
