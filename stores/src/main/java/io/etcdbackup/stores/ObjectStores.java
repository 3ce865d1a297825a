package io.etcdbackup.stores;

import java.io.IOException;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/** Finds the provider for a store URL's scheme among those on the class path. */
public final class ObjectStores {

    private ObjectStores() {
    }

    /**
     * Opens the store a URL names.
     *
     * @throws IllegalArgumentException if the URL is malformed or no provider serves its scheme
     *                                  (the message lists the schemes available)
     * @throws IOException              if the provider cannot open the store
     */
    public static ObjectStore open(String url, StoreContext context) throws IOException {
        StoreUrl parsed = StoreUrl.parse(url);
        Map<String, ObjectStoreProvider> providers = providers();
        ObjectStoreProvider provider = providers.get(parsed.scheme());
        if (provider == null) {
            throw new IllegalArgumentException("no store provider for '" + parsed.scheme() + "://' in store URL '"
                    + parsed.display() + "'; available: " + String.join(", ", providers.keySet()));
        }
        return provider.open(parsed, context);
    }

    /** The providers on the class path, by scheme. */
    public static Map<String, ObjectStoreProvider> providers() {
        Map<String, ObjectStoreProvider> byScheme = new TreeMap<>();
        for (ObjectStoreProvider provider : ServiceLoader.load(ObjectStoreProvider.class)) {
            byScheme.putIfAbsent(provider.scheme(), provider);
        }
        return byScheme;
    }
}
