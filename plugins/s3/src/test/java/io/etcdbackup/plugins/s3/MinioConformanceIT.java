package io.etcdbackup.plugins.s3;

import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.StoreContext;
import io.etcdbackup.stores.StoreUrl;
import io.etcdbackup.stores.conformance.ObjectStoreConformanceSuite;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.MinIOContainer;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

import java.net.URI;
import java.util.Map;

/**
 * The conformance suite against MinIO in a Testcontainers container. Needs a Docker engine; with
 * none, every test is reported as skipped (an assumption), never silently passed.
 */
final class MinioConformanceIT extends ObjectStoreConformanceSuite {

    private static MinIOContainer minio;

    @BeforeAll
    static void startServer() {
        if (!DockerClientFactory.instance().isDockerAvailable()) {
            return; // every test is then skipped by the assumption in openStore
        }
        minio = new MinIOContainer("minio/minio:RELEASE.2025-04-22T22-12-26Z");
        minio.start();
        try (S3Client client = S3Client.builder().endpointOverride(URI.create(minio.getS3URL())).region(Region.US_EAST_1)
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(minio.getUserName(), minio.getPassword())))
                .build()) {
            client.createBucket(b -> b.bucket(TestServers.BUCKET));
        }
    }

    @AfterAll
    static void stopServer() {
        if (minio != null) {
            minio.stop();
        }
    }

    @Override
    protected ObjectStore openStore(String prefix) throws Exception {
        Assumptions.assumeTrue(minio != null, "no Docker engine: MinIO conformance skipped");
        StoreUrl url = StoreUrl.parse("s3://" + TestServers.BUCKET + "/" + prefix + "?endpoint=" + minio.getS3URL() + "&path-style=true");
        return S3StoreProvider.open(S3Settings.from(url).withPartSize(S3Settings.MIN_PART_SIZE),
                new StoreContext(Map.of("AWS_ACCESS_KEY_ID", minio.getUserName(), "AWS_SECRET_ACCESS_KEY", minio.getPassword())));
    }
}
