package io.etcdbackup.snapshot.testing;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.KeyValue;
import io.etcdbackup.snapshot.catalog.BackupLayout;
import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
import io.etcdbackup.snapshot.format.Codec;
import io.etcdbackup.snapshot.format.DeltaEventCodec;
import io.etcdbackup.snapshot.format.ObjectHeader;
import io.etcdbackup.snapshot.format.ObjectKind;
import io.etcdbackup.snapshot.format.SnapshotObjectFormat;
import io.etcdbackup.snapshot.format.SnapshotObjectReader;
import io.etcdbackup.snapshot.format.SnapshotObjectWriter;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.WriteMode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Delta segments written directly in the real object format, for tests that need many segments
 * without capturing each one from etcd (capture indexes every segment with its own catalog
 * version, which thousands of segments make slow).
 */
public final class DeltaSegments {

    private DeltaSegments() {
    }

    /**
     * Writes {@code events} (whole revisions, in order) as one delta segment of
     * {@code generation}, zstd-compressed, and returns its ref (not indexed).
     */
    public static DeltaSegmentRef write(ObjectStore store, String generation, List<Event> events, List<ObjectHeader.LeaseRecord> leases,
                                        List<ObjectHeader.RevisionTime> receivedAt, Instant publishedAt) throws IOException {
        return write(store, new ObjectHeader(SnapshotObjectFormat.FORMAT_VERSION, ObjectKind.DELTA, generation, 0, 0, 1, 2, Codec.ZSTD,
                publishedAt, "3.4.23", 0, List.of()), events, leases, receivedAt, publishedAt);
    }

    /** The same, with the generation, cluster, member and etcd version of {@code source} (e.g. a captured segment's header). */
    public static DeltaSegmentRef write(ObjectStore store, ObjectHeader source, List<Event> events, List<ObjectHeader.LeaseRecord> leases,
                                        List<ObjectHeader.RevisionTime> receivedAt, Instant publishedAt) throws IOException {
        String generation = source.generation();
        long first = DeltaEventCodec.revisionOf(events.get(0));
        long last = DeltaEventCodec.revisionOf(events.get(events.size() - 1));
        ObjectHeader header = new ObjectHeader(SnapshotObjectFormat.FORMAT_VERSION, ObjectKind.DELTA, generation, first, last,
                source.clusterId(), source.memberId(), Codec.ZSTD, publishedAt, source.etcdVersion(), events.size(), leases, receivedAt);
        String key = BackupLayout.deltaKey(generation, first, last);
        SnapshotObjectWriter out = SnapshotObjectWriter.start(store.create(key, WriteMode.IF_ABSENT), header, 1);
        DeltaEventCodec.write(events, out);
        out.finish();
        return new DeltaSegmentRef(key, generation, first, last, out.bodyLength() + SnapshotObjectWriter.TRAILER_BYTES, publishedAt);
    }

    /** A PUT of {@code key} at {@code revision}, as etcd's watch reports it. */
    public static Event put(String key, String value, long createRevision, long revision, long version, long lease) {
        return Event.newBuilder().setType(Event.EventType.PUT).setKv(KeyValue.newBuilder()
                .setKey(ByteString.copyFrom(key, StandardCharsets.UTF_8))
                .setValue(ByteString.copyFrom(value, StandardCharsets.UTF_8))
                .setCreateRevision(createRevision).setModRevision(revision).setVersion(version).setLease(lease)).build();
    }

    /** A DELETE of {@code key} at {@code revision}. */
    public static Event delete(String key, long revision) {
        return Event.newBuilder().setType(Event.EventType.DELETE).setKv(KeyValue.newBuilder()
                .setKey(ByteString.copyFrom(key, StandardCharsets.UTF_8)).setModRevision(revision)).build();
    }

    /** The header and verified events of a segment. */
    public record Read(ObjectHeader header, List<Event> events) {
    }

    /** Reads a segment and verifies its checksum. */
    public static Read read(ObjectStore store, String key) throws IOException {
        try (SnapshotObjectReader reader = SnapshotObjectReader.open(key, store.open(key))) {
            List<Event> events = DeltaEventCodec.read(reader.content());
            reader.verify();
            return new Read(reader.header(), events);
        }
    }

    /**
     * Rewrites {@code segment} with its first PUT's value replaced by {@code value}, through the
     * real format writer: the object's checksum is valid, only etcd's own hash can tell.
     */
    public static DeltaSegmentRef alterFirstPutValue(ObjectStore store, DeltaSegmentRef segment, String value) throws IOException {
        Read read = read(store, segment.key());
        List<Event> events = new ArrayList<>(read.events());
        int put = 0;
        while (events.get(put).getType() != Event.EventType.PUT) {
            put++;
        }
        Event original = events.get(put);
        events.set(put, original.toBuilder().setKv(original.getKv().toBuilder()
                .setValue(ByteString.copyFrom(value, StandardCharsets.UTF_8))).build());
        store.delete(segment.key());
        DeltaSegmentRef rewritten = write(store, read.header(), events, read.header().leases(),
                read.header().receivedAt(), read.header().createdAt());
        if (!rewritten.key().equals(segment.key())) {
            throw new IllegalStateException("rewritten under " + rewritten.key() + ", not " + segment.key());
        }
        return rewritten;
    }
}
