package io.etcdbackup.restore.drill;

/**
 * How the restored member is brought to the live member's compaction point before their hashes
 * are compared. etcd's {@code HashKV} at revision R covers the history after the member's
 * compaction point up to R (and, below it, what compaction keeps), so two members hash alike only
 * at the same R and the same compaction point. The restored member can be compacted forward; no
 * member can be compacted back.
 */
sealed interface CompactionAlignment {

    /** Both are at the same compaction point: compare. */
    record Compare() implements CompactionAlignment {
    }

    /** Compact the restored member at {@code revision} (the live one's point), then compare. */
    record CompactRestored(long revision) implements CompactionAlignment {
    }

    /** The histories cannot be hashed alike; {@code reason} says why. */
    record Inconclusive(String reason) implements CompactionAlignment {
    }

    /**
     * @param revision          the revision both are hashed at
     * @param liveCompacted     the live member's compaction point, from its hash at {@code revision}
     * @param restoredCompacted the restored member's compaction point
     */
    static CompactionAlignment decide(long revision, long liveCompacted, long restoredCompacted) {
        if (liveCompacted >= revision) {
            return new Inconclusive("the live cluster has compacted revision " + revision + " (its compaction point is "
                    + liveCompacted + "): it can no longer hash the history at the backup's revision");
        }
        if (restoredCompacted == liveCompacted) {
            return new Compare();
        }
        if (restoredCompacted < liveCompacted) {
            return new CompactRestored(liveCompacted);
        }
        return new Inconclusive("the restored backup is compacted at revision " + restoredCompacted
                + ", the live cluster " + (liveCompacted > 0 ? "only at " + liveCompacted : "never")
                + ", and a member cannot be un-compacted: the drill "
                + "compares once the live cluster compacts at or past " + restoredCompacted
                + " (a base made by `compact` is compacted at its own revision)");
    }
}
