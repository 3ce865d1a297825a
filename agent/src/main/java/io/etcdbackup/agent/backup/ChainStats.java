package io.etcdbackup.agent.backup;

import java.time.Duration;

/**
 * The chain a restore of the latest state replays: the delta segments after the newest full
 * snapshot (the base).
 *
 * @param segments         delta segments after the base
 * @param events           events in them (counted while capturing; revisions when this agent
 *                         continued a chain it did not capture, a lower bound)
 * @param bytes            their stored bytes
 * @param revisions        revisions after the base
 * @param predictedRestore estimated time to restore the latest state (base download, segment
 *                         downloads, replay), from {@link io.etcdbackup.restore.RestoreEstimate}
 */
public record ChainStats(int segments, long events, long bytes, long revisions, Duration predictedRestore) {

    /** No chain yet. */
    public static final ChainStats EMPTY = new ChainStats(0, 0, 0, 0, Duration.ZERO);
}
