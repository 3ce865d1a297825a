package io.etcdbackup.plugins.oss;

import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.ObjectStores;
import io.etcdbackup.stores.StoreContext;
import io.etcdbackup.stores.conformance.ObjectStoreConformanceSuite;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The conformance suite through the real OSS SDK against {@link FakeOssServer}, a protocol-level
 * fake written from OSS's API reference (no OSS emulator exists). What it proves is bounded by the
 * fake's fidelity; {@code OssRealBucketIT} runs the same suite against a real bucket when asked.
 */
final class OssFakeConformanceIT extends ObjectStoreConformanceSuite {

    static final int PART_SIZE = 128 * 1024;
    private static FakeOssServer oss;

    @BeforeAll
    static void startFake() throws Exception {
        oss = new FakeOssServer("etcd-backup-it", "LTAI-fake-id", "fake-secret");
    }

    @AfterAll
    static void stopFake() {
        oss.close();
    }

    @AfterEach
    void noMultipartUploadLeftBehind() {
        assertThat(oss.openUploads()).as("multipart uploads neither completed nor aborted").isZero();
    }

    @Override
    protected ObjectStore openStore(String prefix) throws Exception {
        return ObjectStores.open("oss://etcd-backup-it/" + prefix + "?path_style=true&part_size=" + PART_SIZE
                        + "&endpoint=" + oss.endpoint(),
                new StoreContext(Map.of("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI-fake-id", "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "fake-secret")));
    }

    @Override
    protected int largeObjectPartSize() {
        return PART_SIZE;
    }
}
