package io.etcdbackup.plugins.s3;

import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.conformance.ObjectStoreConformanceSuite;
import org.gaul.s3proxy.S3Proxy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import io.etcdbackup.stores.WriteMode;

import static org.assertj.core.api.Assertions.assertThat;

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
     * Quirk: S3Proxy's in-memory blob store sorts keys as Java strings (UTF-16 code units), not by
     * UTF-8 bytes as S3 does; the two orders differ only for characters above U+FFFF against
     * U+E000..U+FFFF. We assert the order S3Proxy does give, so a change in S3Proxy shows up here.
     */
    @Override
    @Test
    public void listingIsInUtf8ByteOrder() throws Exception {
        List<String> keys = List.of("z", "Z", "a-b", "a/b", "a0", "a.b", "é", "\uFFFD", "\uD83D\uDE00", "ab", "a~", "B/x");
        for (String key : keys) {
            store.put(key, utf8(key), WriteMode.OVERWRITE);
        }
        List<String> utf16Order = new ArrayList<>(keys);
        utf16Order.sort(String::compareTo);

        assertThat(keys(store.list(""))).containsExactlyElementsOf(utf16Order);
    }

    @Override
    protected ObjectStore openStore(String prefix) throws Exception {
        return TestServers.open(TestServers.s3ProxyEndpoint(proxy), prefix, "");
    }
}
