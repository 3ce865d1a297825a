package io.etcdbackup.plugins.s3;

import io.etcdbackup.stores.StoreContext;
import io.etcdbackup.stores.StoreUrl;
import io.etcdbackup.stores.testing.Await;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;

/** S3-compatible servers for the integration tests, started on loopback. */
final class TestServers {

    static final String ACCESS_KEY = "test-access-key";
    static final String SECRET_KEY = "test-secret-key";
    static final String BUCKET = "etcd-backups";

    private TestServers() {
    }

    static StoreContext context() {
        return new StoreContext(Map.of("AWS_ACCESS_KEY_ID", ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", SECRET_KEY));
    }

    /** An S3 store on {@code endpoint}, path style, with the 5 MiB minimum part size. */
    static S3ObjectStore open(URI endpoint, String prefix, String extraOptions) throws IOException {
        StoreUrl url = StoreUrl.parse("s3://" + BUCKET + "/" + prefix + "?endpoint=" + endpoint + "&region=us-east-1&path-style=true"
                + extraOptions);
        return S3StoreProvider.open(S3Settings.from(url).withPartSize(S3Settings.MIN_PART_SIZE), context());
    }

    static void createBucket(URI endpoint) {
        try (S3Client client = S3Client.builder().endpointOverride(endpoint).region(Region.US_EAST_1)
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                .build()) {
            client.createBucket(b -> b.bucket(BUCKET));
        }
    }

    /** S3Proxy in this JVM: {@code baseDir} null for the in-memory (transient) blob store. */
    static S3Proxy startS3Proxy(Path baseDir) throws Exception {
        Properties properties = new Properties();
        String provider = "transient";
        if (baseDir != null) {
            provider = "filesystem";
            properties.setProperty("jclouds.filesystem.basedir", baseDir.toString());
        }
        S3Proxy proxy = S3Proxy.builder()
                .blobStore(BlobStores.create(provider, properties))
                .endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .build();
        proxy.start();
        Await.await("S3Proxy started", Duration.ofSeconds(30), proxy::getState, "STARTED"::equals);
        createBucket(s3ProxyEndpoint(proxy));
        return proxy;
    }

    static URI s3ProxyEndpoint(S3Proxy proxy) {
        return URI.create("http://127.0.0.1:" + proxy.getPort());
    }

    static int freePort() throws IOException {
        return freePorts(1)[0];
    }

    /** Distinct free ports: all are held open until all are chosen (the kernel may reuse a released one at once). */
    static int[] freePorts(int count) throws IOException {
        ServerSocket[] sockets = new ServerSocket[count];
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                sockets[i] = new ServerSocket(0);
                ports[i] = sockets[i].getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket socket : sockets) {
                if (socket != null) {
                    socket.close();
                }
            }
        }
    }

    /** Waits until an HTTP server answers on {@code endpoint} (any status). */
    static void awaitHttp(URI endpoint, Duration timeout, Process process) throws Exception {
        Await.await("an HTTP server answering on " + endpoint, timeout, () -> {
            try {
                HttpURLConnection connection = (HttpURLConnection) endpoint.toURL().openConnection();
                connection.setConnectTimeout(500);
                connection.getResponseCode();
                return true;
            } catch (IOException notYet) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("server process exited with " + process.exitValue() + " before answering on " + endpoint);
                }
                return false;
            }
        });
    }
}
