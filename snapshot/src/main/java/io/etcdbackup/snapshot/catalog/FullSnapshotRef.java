package io.etcdbackup.snapshot.catalog;

import java.time.Instant;

/**
 * A published full snapshot.
 *
 * @param key        object key
 * @param generation its generation
 * @param revision   the revision it holds at least (a proven lower bound)
 * @param createdAt  when it was taken
 * @param size       object size in bytes (compressed)
 */
public record FullSnapshotRef(String key, String generation, long revision, Instant createdAt, long size) {
}
