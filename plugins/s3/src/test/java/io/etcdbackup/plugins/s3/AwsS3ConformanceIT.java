package io.etcdbackup.plugins.s3;

import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.StoreContext;
import io.etcdbackup.stores.StoreUrl;
import io.etcdbackup.stores.conformance.ObjectStoreConformanceSuite;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;

/**
 * Opt-in: the conformance suite against a real AWS bucket. Runs only when {@code EBA_S3_IT_BUCKET}
 * names a bucket and AWS credentials are in the environment ({@code AWS_ACCESS_KEY_ID} or
 * {@code AWS_APPLICATION_CREDENTIALS}); otherwise reported as skipped. Extra URL options (e.g.
 * {@code region=eu-west-1&sse=aws:kms}) come from {@code EBA_S3_IT_OPTIONS}. Every test works
 * under its own {@code conf-<random>} prefix below {@code etcd-backup-it/} and deletes what it wrote.
 *
 * <p>The test (not the provider) reads the environment, to decide whether to run.
 */
final class AwsS3ConformanceIT extends ObjectStoreConformanceSuite {

    private static String bucket;
    private static boolean enabled;

    @BeforeAll
    static void optIn() {
        bucket = System.getenv("EBA_S3_IT_BUCKET");
        boolean credentials = System.getenv("AWS_ACCESS_KEY_ID") != null || System.getenv("AWS_APPLICATION_CREDENTIALS") != null
                || System.getenv("AWS_PROFILE") != null || System.getenv("AWS_WEB_IDENTITY_TOKEN_FILE") != null;
        enabled = bucket != null && !bucket.isBlank() && credentials;
    }

    @Override
    protected ObjectStore openStore(String prefix) throws Exception {
        // Assumed here (the suite's @BeforeEach) so each test is reported as skipped, not hidden.
        Assumptions.assumeTrue(enabled, "opt-in: set EBA_S3_IT_BUCKET and AWS credentials to run the suite against real S3");
        String options = System.getenv().getOrDefault("EBA_S3_IT_OPTIONS", "");
        StoreUrl url = StoreUrl.parse("s3://" + bucket + "/etcd-backup-it/" + prefix + (options.isEmpty() ? "" : "?" + options));
        return S3StoreProvider.open(S3Settings.from(url).withPartSize(S3Settings.MIN_PART_SIZE), new StoreContext(System.getenv()));
    }
}
