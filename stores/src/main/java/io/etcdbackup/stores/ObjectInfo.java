package io.etcdbackup.stores;

import java.time.Instant;
import java.util.Objects;

/**
 * What a store knows about one complete object.
 *
 * @param key          the key, relative to the store's prefix
 * @param size         the length in bytes
 * @param lastModified when the object was published, as the backend reports it
 */
public record ObjectInfo(String key, long size, Instant lastModified) {
    public ObjectInfo {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(lastModified, "lastModified");
        if (size < 0) {
            throw new IllegalArgumentException("negative size " + size + " for " + key);
        }
    }
}
