package io.etcdbackup.snapshot.format;

import io.etcd.jetcd.api.Event;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The content of a delta segment: etcd's own {@code mvccpb.Event} messages, each prefixed with
 * its varint length (protobuf's delimited encoding), in revision order. The revision of an event
 * is its key-value's {@code mod_revision} (for deletes, the revision of the delete).
 */
public final class DeltaEventCodec {

    private DeltaEventCodec() {
    }

    public static void write(List<Event> events, OutputStream out) throws IOException {
        for (Event event : events) {
            event.writeDelimitedTo(out);
        }
    }

    /** Reads every event to the end of {@code in}. */
    public static List<Event> read(InputStream in) throws IOException {
        List<Event> events = new ArrayList<>();
        Event event;
        while ((event = Event.parseDelimitedFrom(in)) != null) {
            events.add(event);
        }
        return events;
    }

    /** The revision an event belongs to. */
    public static long revisionOf(Event event) {
        return event.getKv().getModRevision();
    }

    /** Encoded size of an event, for memory accounting. */
    public static int sizeOf(Event event) {
        int size = event.getSerializedSize();
        return size + com.google.protobuf.CodedOutputStream.computeUInt32SizeNoTag(size);
    }
}
