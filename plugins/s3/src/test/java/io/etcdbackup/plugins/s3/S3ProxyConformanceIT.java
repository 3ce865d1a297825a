package io.etcdbackup.plugins.s3;

import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.conformance.ObjectStoreConformanceSuite;
import io.etcdbackup.stores.conformance.StoreCapabilities;
import org.gaul.s3proxy.S3Proxy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The conformance suite against S3Proxy (in-memory blob store) in this JVM. */
final class S3ProxyConformanceIT extends ObjectStoreConformanceSuite {

    private static S3Proxy proxy;

    @BeforeAll
    static void startServer() throws Exception {
        proxy = TestServers.startS3Proxy(null);
    }

    @AfterAll
    static void stopServer() throws Exception {
        proxy.stop();
    }

    /**
     * S3Proxy's in-memory blob store sorts keys as Java strings (UTF-16 code units), not by UTF-8
     * bytes as S3 does; the two orders differ only for characters above U+FFFF against
     * U+E000..U+FFFF. The suite asserts the order S3Proxy does give, so a change there shows up.
     */
    @Override
    protected StoreCapabilities capabilities() {
        return StoreCapabilities.standard().listing(StoreCapabilities.ListingOrder.UTF16_CODE_UNITS)
                .cannotShow(StoreCapabilities.Contract.LABELS, "S3Proxy 4.1.0 answers GetObjectTagging with 501 NotImplemented, "
                        + "also for a missing key; the store reads that as no labels");
    }

    @Override
    protected ObjectStore openStore(String prefix) throws Exception {
        return TestServers.open(TestServers.s3ProxyEndpoint(proxy), prefix, "");
    }
}
