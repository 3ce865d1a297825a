package io.etcdbackup.stores;

import java.io.IOException;

/**
 * Opens stores for one URL scheme. Implementations are registered for {@link java.util.ServiceLoader}
 * in {@code META-INF/services/io.etcdbackup.stores.ObjectStoreProvider}.
 */
public interface ObjectStoreProvider {

    /** The URL scheme this provider serves, lower case, e.g. {@code s3}. */
    String scheme();

    /**
     * Opens a store rooted at {@code url}'s container and prefix.
     *
     * @param url     the parsed URL; unknown options must be rejected with an
     *                {@link IllegalArgumentException} naming them
     * @param context settings from the agent's configuration (environment, credentials location)
     * @throws IOException if the store cannot be reached or its credentials cannot be read
     */
    ObjectStore open(StoreUrl url, StoreContext context) throws IOException;
}
