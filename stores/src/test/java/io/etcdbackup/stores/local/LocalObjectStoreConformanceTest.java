package io.etcdbackup.stores.local;

import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.conformance.ObjectStoreConformanceSuite;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/** The conformance suite against the local filesystem store. */
final class LocalObjectStoreConformanceTest extends ObjectStoreConformanceSuite {

    @TempDir
    Path root;

    @Override
    protected ObjectStore openStore(String prefix) throws Exception {
        return LocalStoreProvider.at(root.resolve(prefix));
    }

    @Override
    protected int largeObjectPartSize() {
        // A file has no parts; small "parts" keep the test fast while still crossing boundaries.
        return 256 * 1024;
    }
}
