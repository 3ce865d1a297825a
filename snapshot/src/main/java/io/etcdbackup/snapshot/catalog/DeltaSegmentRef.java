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
 * @param publishedAt   when the store received it; for a merged segment, when the newest of the
 *                      segments it replaced was received (by then every revision it holds was
 *                      in the store)
 * @param level         0 for a segment as captured; {@code L + 1} for one merged from segments of
 *                      level {@code L} (see {@code io.etcdbackup.snapshot.merge}). Index versions
 *                      written before merging existed have no level: 0. Not in the object's
 *                      header, so a catalog rebuild indexes every segment at level 0.
 */
public record DeltaSegmentRef(String key, String generation, long firstRevision, long lastRevision, long size,
                              Instant publishedAt, int level) {

    public DeltaSegmentRef {
        if (level < 0) {
            throw new IllegalArgumentException("segment level must not be negative, got " + level + " for " + key);
        }
    }

    /** A segment as captured (level 0). */
    public DeltaSegmentRef(String key, String generation, long firstRevision, long lastRevision, long size, Instant publishedAt) {
        this(key, generation, firstRevision, lastRevision, size, publishedAt, 0);
    }
}
