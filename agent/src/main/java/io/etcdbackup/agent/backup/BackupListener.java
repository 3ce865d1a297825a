package io.etcdbackup.agent.backup;

import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
import io.etcdbackup.snapshot.catalog.FullSnapshotRef;
import io.etcdbackup.snapshot.retention.RetentionRunner;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * What a {@link ContinuousBackup} reports as it works, for whoever keeps account (the metrics).
 * The backup owns this interface so that it depends on nobody's metrics; the callbacks run on the
 * backup's threads (control, capture, compaction) and must return quickly without throwing.
 */
public interface BackupListener {

    /** Reports nothing. */
    BackupListener NONE = new BackupListener() {
    };

    /**
     * Every one of {@code listeners}, called in this order. Each must keep the contract (return
     * quickly, never throw): one that throws would keep the event from the ones after it.
     */
    static BackupListener all(List<BackupListener> listeners) {
        return new AllListeners(List.copyOf(listeners));
    }

    /** The full snapshot {@code full} was published and indexed after {@code took}. */
    default void fullTaken(Duration took, FullSnapshotRef full) {
    }

    /** A full snapshot failed after {@code took}. */
    default void fullFailed(Duration took) {
    }

    /** The delta segment {@code segment} was published and indexed after {@code took}. */
    default void deltaPublished(Duration took, DeltaSegmentRef segment) {
    }

    /** Publishing a delta segment failed (its events stay buffered and are retried). */
    default void deltaFailed() {
    }

    /**
     * A delta flush at {@code at} found nothing new: everything up to {@code lastPublishedRevision}
     * is in the store (a quiet delta period, which still counts as a delta snapshot for etcd-druid).
     */
    default void deltaUpToDate(long lastPublishedRevision, Instant at) {
    }

    /** A retention run finished with {@code result}. */
    default void retentionRan(RetentionRunner.Result result) {
    }

    /** A defragmentation of the cluster finished, or failed, after {@code took}. */
    default void defragmented(Duration took, boolean succeeded) {
    }

    /** A compaction of the chain finished, or failed, after {@code took}. */
    default void compacted(Duration took, boolean succeeded) {
    }

    /**
     * A compaction published {@code base}, a full snapshot at the chain's newest revision that
     * restores now start from (not a snapshot taken from etcd: {@link #fullTaken} is not called).
     */
    default void baseCompacted(FullSnapshotRef base) {
    }
}
