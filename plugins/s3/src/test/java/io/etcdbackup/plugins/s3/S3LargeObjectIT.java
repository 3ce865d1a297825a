package io.etcdbackup.plugins.s3;

import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.WriteMode;
import io.etcdbackup.stores.conformance.GeneratedBytes;
import org.gaul.s3proxy.S3Proxy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A 1 GiB object through the S3 plugin with a 256 MiB heap (failsafe runs this class alone in a
 * JVM with -Xmx256m): the upload must stream, never hold the object. S3Proxy keeps the bytes in
 * a filesystem blob store in a temp dir, so the server side does not need the heap either.
 */
final class S3LargeObjectIT {

    private static final long GIB = 1024L * 1024 * 1024;

    @TempDir
    Path blobs;

    @Test
    void oneGibibyteStreamsThroughA256MiBHeap() throws Exception {
        long maxHeap = Runtime.getRuntime().maxMemory();
        assertThat(maxHeap).as("this test must run with -Xmx256m (see the failsafe execution large-object-256m)")
                .isLessThanOrEqualTo(300L * 1024 * 1024);
        S3Proxy proxy = TestServers.startS3Proxy(blobs);
        try (ObjectStore store = TestServers.open(TestServers.s3ProxyEndpoint(proxy), "large", "&part-size-mib=16&upload-parallelism=4")) {
            // The test helper pins the 5 MiB minimum part; 1 GiB at 5 MiB is ~205 parts, well under 10,000.
            GeneratedBytes data = new GeneratedBytes(1234, GIB);
            String written = data.publish(store, "one-gib.bin", WriteMode.IF_ABSENT);
            data.assertPublishedAt(store, "one-gib.bin", written);
        } finally {
            proxy.stop();
        }
    }
}
