package io.etcdbackup.agent.it;

import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;

import static io.etcdbackup.stores.testing.Await.await;

/**
 * S3Proxy, a real S3 server, on loopback with a filesystem blob store: each bucket a folder under
 * the base folder, created before the agent uses it as an operator would have. Signed requests
 * only, with {@link #CREDENTIALS}.
 */
final class S3ProxyServer implements AutoCloseable {

    /** The agent's environment for this server: its access key and secret. */
    static final Map<String, String> CREDENTIALS = Map.of("AWS_ACCESS_KEY_ID", "access", "AWS_SECRET_ACCESS_KEY", "secret");

    private final S3Proxy proxy;

    private S3ProxyServer(S3Proxy proxy) {
        this.proxy = proxy;
    }

    /**
     * Starts a server over {@code baseDir} on {@code port} (0 for any free one) with {@code bucket}
     * created, and waits until it serves.
     */
    static S3ProxyServer start(Path baseDir, String bucket, int port) throws Exception {
        Files.createDirectories(baseDir.resolve(bucket));
        Properties properties = new Properties();
        properties.setProperty("jclouds.filesystem.basedir", baseDir.toString());
        S3Proxy proxy = S3Proxy.builder().blobStore(BlobStores.create("filesystem", properties))
                .endpoint(URI.create("http://127.0.0.1:" + port))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, "access", "secret").build();
        proxy.start();
        await("S3Proxy started", Duration.ofSeconds(60), proxy::getState, "STARTED"::equals);
        return new S3ProxyServer(proxy);
    }

    int port() {
        return proxy.getPort();
    }

    /** The agent's store URL for {@code bucketAndPrefix} ({@code bucket/prefix}) on this server. */
    String storeUrl(String bucketAndPrefix) {
        return "s3://" + bucketAndPrefix + "?endpoint=http://127.0.0.1:" + port() + "&region=us-east-1&path-style=true";
    }

    @Override
    public void close() throws Exception {
        proxy.stop();
    }
}
