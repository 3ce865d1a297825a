package io.etcdbackup.agent.backup;

import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
import io.etcdbackup.snapshot.catalog.FullSnapshotRef;
import io.etcdbackup.snapshot.retention.RetentionRunner;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** {@link BackupListener#all}: each event handed to every listener, in order. */
final class AllListeners implements BackupListener {

    private final List<BackupListener> listeners;

    AllListeners(List<BackupListener> listeners) {
        this.listeners = listeners;
    }

    @Override
    public void fullTaken(Duration took, FullSnapshotRef full) {
        listeners.forEach(l -> l.fullTaken(took, full));
    }

    @Override
    public void fullFailed(Duration took) {
        listeners.forEach(l -> l.fullFailed(took));
    }

    @Override
    public void deltaPublished(Duration took, DeltaSegmentRef segment) {
        listeners.forEach(l -> l.deltaPublished(took, segment));
    }

    @Override
    public void deltaFailed() {
        listeners.forEach(BackupListener::deltaFailed);
    }

    @Override
    public void deltaUpToDate(long lastPublishedRevision, Instant at) {
        listeners.forEach(l -> l.deltaUpToDate(lastPublishedRevision, at));
    }

    @Override
    public void retentionRan(RetentionRunner.Result result) {
        listeners.forEach(l -> l.retentionRan(result));
    }

    @Override
    public void defragmented(Duration took, boolean succeeded) {
        listeners.forEach(l -> l.defragmented(took, succeeded));
    }

    @Override
    public void compacted(Duration took, boolean succeeded) {
        listeners.forEach(l -> l.compacted(took, succeeded));
    }

    @Override
    public void baseCompacted(FullSnapshotRef base) {
        listeners.forEach(l -> l.baseCompacted(base));
    }
}
