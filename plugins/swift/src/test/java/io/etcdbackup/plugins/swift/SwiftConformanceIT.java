package io.etcdbackup.plugins.swift;

import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.ObjectStores;
import io.etcdbackup.stores.StoreContext;
import io.etcdbackup.stores.conformance.ObjectStoreConformanceSuite;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;

/** The conformance suite against a real Swift behind Keystone (scripts/swift-aio.sh), password login. */
@ExtendWith(SwiftEnvironment.class)
final class SwiftConformanceIT extends ObjectStoreConformanceSuite {

    /** Small segments so the large-object tests cross several SLO segments quickly. */
    static final int SEGMENT_SIZE = 256 * 1024;
    private static SwiftEnvironment.Running swift;

    @BeforeAll
    static void environment(SwiftEnvironment.Running running) {
        swift = running;
    }

    @Override
    protected ObjectStore openStore(String prefix) throws Exception {
        return ObjectStores.open("swift://" + swift.container() + "/" + prefix + "?segment_size=" + SEGMENT_SIZE,
                new StoreContext(swift.facts()));
    }

    @Override
    protected int largeObjectPartSize() {
        return SEGMENT_SIZE;
    }
}
