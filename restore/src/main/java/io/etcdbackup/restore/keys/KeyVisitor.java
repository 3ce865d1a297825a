package io.etcdbackup.restore.keys;

import io.etcd.jetcd.api.KeyValue;

import java.io.IOException;

/** Receives keys, one at a time, in key order. */
@FunctionalInterface
public interface KeyVisitor {

    /**
     * @param kv the key as it was: value, create and mod revision, version and lease
     * @return whether to go on with the next key
     */
    boolean visit(KeyValue kv) throws IOException;
}
