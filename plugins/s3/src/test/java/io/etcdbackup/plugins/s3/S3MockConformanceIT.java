package io.etcdbackup.plugins.s3;

import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.conformance.ObjectStoreConformanceSuite;
import io.etcdbackup.stores.conformance.StoreCapabilities;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The conformance suite against Adobe S3Mock ({@link S3MockServer}). */
final class S3MockConformanceIT extends ObjectStoreConformanceSuite {

    private static S3MockServer server;

    @BeforeAll
    static void startServer() throws Exception {
        server = S3MockServer.start();
        TestServers.createBucket(server.endpoint());
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    /**
     * S3Mock 5.2.0: it lists keys in Java String (UTF-16) order, not UTF-8 byte order as S3 does
     * (they differ only for characters above U+FFFF against U+E000..U+FFFF); it answers HTTP 400
     * to a key containing a backslash (S3 accepts it); and (a bug) AbortMultipartUpload deletes
     * the existing object under the same key, where S3 never touches the published object. The
     * suite asserts the bug as it is, so a fix in S3Mock fails the test and this declaration goes.
     */
    @Override
    protected StoreCapabilities capabilities() {
        return StoreCapabilities.standard().listing(StoreCapabilities.ListingOrder.UTF16_CODE_UNITS)
                .backslash(StoreCapabilities.BackslashKeys.REFUSED_BY_SERVER).withAbortDeletingPublishedObject();
    }

    @Override
    protected ObjectStore openStore(String prefix) throws Exception {
        return TestServers.open(server.endpoint(), prefix, "");
    }
}
