package io.etcdbackup.stores.local;

import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.ObjectStoreProvider;
import io.etcdbackup.stores.StoreContext;
import io.etcdbackup.stores.StoreUrl;

import java.io.IOException;
import java.nio.file.Path;

/** {@code file:///absolute/path}: a store in a local or mounted directory, created if missing. */
public final class LocalStoreProvider implements ObjectStoreProvider {

    @Override
    public String scheme() {
        return "file";
    }

    @Override
    public ObjectStore open(StoreUrl url, StoreContext context) throws IOException {
        if (!url.options().isEmpty()) {
            throw new IllegalArgumentException("store URL '" + url.display() + "' has options " + url.options().keySet()
                    + "; file:// stores take none");
        }
        return new LocalObjectStore(Path.of(url.prefix()));
    }

    /** Opens a local store directly, for tests and tools that already hold a path. */
    public static ObjectStore at(Path directory) throws IOException {
        return new LocalObjectStore(directory);
    }
}
