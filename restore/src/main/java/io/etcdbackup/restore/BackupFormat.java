package io.etcdbackup.restore;

import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
import io.etcdbackup.snapshot.catalog.FullSnapshotRef;
import io.etcdbackup.stores.ObjectStore;

import java.io.IOException;
import java.nio.file.Path;

/**
 * How the objects of one backup layout are read for a restore: this project's own objects
 * ({@link NativeFormat}), or another tool's that we import.
 *
 * <p>Both methods verify what they read (checksums, lengths) before returning, and throw
 * {@link io.etcdbackup.snapshot.format.CorruptObjectException} naming the object otherwise.
 */
public interface BackupFormat {

    /**
     * Writes the full snapshot's etcd database, as etcd's snapshot stream (the bbolt file
     * followed by etcd's SHA-256, which {@code snapshot restore} verifies), to {@code file}.
     *
     * @param file a path that does not exist yet
     */
    void fetchFull(ObjectStore store, FullSnapshotRef full, Path file) throws IOException;

    /** Reads and verifies one delta segment. */
    DeltaSegment readDelta(ObjectStore store, DeltaSegmentRef delta) throws IOException;
}
