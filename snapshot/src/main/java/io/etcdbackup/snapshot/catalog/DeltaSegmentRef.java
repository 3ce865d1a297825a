package io.etcdbackup.snapshot.catalog;

import java.time.Instant;

/**
 * A published delta segment: every event of revisions {@code firstRevision..lastRevision}.
 *
 * @param key           object key
 * @param generation    its generation
 * @param firstRevision first revision held
 * @param lastRevision  last revision held
 * @param size          object size in bytes (compressed)
 * @param publishedAt   when the store received it
 */
public record DeltaSegmentRef(String key, String generation, long firstRevision, long lastRevision, long size,
                              Instant publishedAt) {
}
