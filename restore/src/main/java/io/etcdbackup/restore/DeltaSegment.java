package io.etcdbackup.restore;

import io.etcd.jetcd.api.Event;
import io.etcdbackup.snapshot.format.ObjectHeader;

import java.util.List;

/**
 * A verified delta segment ready for replay.
 *
 * @param events events in revision order (the revision of an event is its {@code mod_revision})
 * @param leases     granted TTLs of leases attached to keys in the segment, where known
 * @param receivedAt when the agent received the segment's revisions ({@link ObjectHeader#receivedAt()}),
 *                   ascending; empty for imported objects and segments written before the index
 */
public record DeltaSegment(List<Event> events, List<ObjectHeader.LeaseRecord> leases,
                           List<ObjectHeader.RevisionTime> receivedAt) {

    public DeltaSegment {
        events = List.copyOf(events);
        leases = List.copyOf(leases);
        receivedAt = List.copyOf(receivedAt);
    }

    /** A segment without a receive-time index. */
    public DeltaSegment(List<Event> events, List<ObjectHeader.LeaseRecord> leases) {
        this(events, leases, List.of());
    }

    /**
     * When {@code revision} was received: the time of the first index entry at or past it; empty
     * when the index does not reach it.
     */
    public java.util.Optional<java.time.Instant> receivedAt(long revision) {
        for (ObjectHeader.RevisionTime entry : receivedAt) {
            if (entry.revision() >= revision) {
                return java.util.Optional.of(java.time.Instant.ofEpochMilli(entry.epochMillis()));
            }
        }
        return java.util.Optional.empty();
    }
}
