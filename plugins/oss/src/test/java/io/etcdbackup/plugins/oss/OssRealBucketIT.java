package io.etcdbackup.plugins.oss;

import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.ObjectStores;
import io.etcdbackup.stores.StoreContext;
import io.etcdbackup.stores.conformance.ObjectStoreConformanceSuite;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * The conformance suite against a real OSS bucket. Opt-in: runs only when {@code EBA_OSS_IT_BUCKET}
 * names a bucket and {@code EBA_OSS_IT_ENDPOINT} its endpoint (e.g. https://oss-eu-central-1.aliyuncs.com),
 * with credentials in the environment ({@code ALIBABA_CLOUD_ACCESS_KEY_ID}/{@code _SECRET} or
 * {@code ALICLOUD_APPLICATION_CREDENTIALS}); otherwise JUnit reports it skipped. Every test writes
 * under a random prefix below {@code etcd-backup-it/} and deletes what it wrote.
 */
@EnabledIfEnvironmentVariable(named = "EBA_OSS_IT_BUCKET", matches = ".+")
final class OssRealBucketIT extends ObjectStoreConformanceSuite {

    @Override
    protected ObjectStore openStore(String prefix) throws Exception {
        String endpoint = System.getenv().getOrDefault("EBA_OSS_IT_ENDPOINT", "");
        return ObjectStores.open("oss://" + System.getenv("EBA_OSS_IT_BUCKET") + "/etcd-backup-it/" + prefix
                + "?part_size=" + (5 * 1024 * 1024) + (endpoint.isEmpty() ? "" : "&endpoint=" + endpoint), new StoreContext(System.getenv()));
    }
}
