package io.etcdbackup.restore;

import io.etcd.jetcd.api.Event;
import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
import io.etcdbackup.snapshot.catalog.FullSnapshotRef;
import io.etcdbackup.snapshot.format.CorruptObjectException;
import io.etcdbackup.snapshot.format.DeltaEventCodec;
import io.etcdbackup.snapshot.format.ObjectHeader;
import io.etcdbackup.snapshot.format.ObjectEncryption;
import io.etcdbackup.snapshot.format.ObjectKind;
import io.etcdbackup.snapshot.format.SnapshotObjectReader;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.local.DescribedOutputStream;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;

/** This project's self-describing snapshot objects ({@code eba-v1/} layout), in the clear or encrypted. */
public final class NativeFormat implements BackupFormat {

    /** Objects in the clear; an encrypted one fails naming its key. */
    public static final NativeFormat INSTANCE = new NativeFormat(ObjectEncryption.NONE);

    private final ObjectEncryption encryption;

    private NativeFormat(ObjectEncryption encryption) {
        this.encryption = encryption;
    }

    /** Objects in the clear, and encrypted ones {@code encryption} has the keys of. */
    public static NativeFormat of(ObjectEncryption encryption) {
        return encryption == ObjectEncryption.NONE ? INSTANCE : new NativeFormat(encryption);
    }

    @Override
    public void fetchFull(ObjectStore store, FullSnapshotRef full, Path file) throws IOException {
        try (SnapshotObjectReader reader = SnapshotObjectReader.open(full.key(), store.open(full.key()), encryption);
             OutputStream out = DescribedOutputStream.newFile(file)) {
            requireKind(reader.header(), ObjectKind.FULL, full.key());
            reader.content().transferTo(out); // closing the reader closes the content
            reader.verify();
        }
    }

    @Override
    public DeltaSegment readDelta(ObjectStore store, DeltaSegmentRef ref) throws IOException {
        try (SnapshotObjectReader reader = SnapshotObjectReader.open(ref.key(), store.open(ref.key()), encryption)) {
            requireKind(reader.header(), ObjectKind.DELTA, ref.key());
            List<Event> events = DeltaEventCodec.read(reader.content());
            reader.verify();
            if (reader.header().firstRevision() != ref.firstRevision() || reader.header().lastRevision() != ref.lastRevision()) {
                throw new CorruptObjectException(ref.key(), "header holds revisions " + reader.header().firstRevision() + ".."
                        + reader.header().lastRevision() + ", its name says " + ref.firstRevision() + ".." + ref.lastRevision());
            }
            return new DeltaSegment(events, reader.header().leases(), reader.header().receivedAt());
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new CorruptObjectException(ref.key(), "undecodable events: " + e.getMessage(), e);
        }
    }

    private static void requireKind(ObjectHeader header, ObjectKind kind, String key) {
        if (header.kind() != kind) {
            throw new CorruptObjectException(key, "expected a " + kind + " object, header says " + header.kind());
        }
    }
}
