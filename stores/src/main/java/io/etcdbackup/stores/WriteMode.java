package io.etcdbackup.stores;

/** How {@link ObjectStore#create(String, WriteMode)} treats an existing object under the key. */
public enum WriteMode {
    /** Replace any existing object atomically. */
    OVERWRITE,
    /** Publish only if the key holds no object; otherwise fail with {@link ObjectAlreadyExistsException}. */
    IF_ABSENT
}
