package io.etcdbackup.restore;

import io.etcd.jetcd.api.Event;
import io.etcdbackup.snapshot.format.ObjectHeader;

import java.util.List;

/**
 * A verified delta segment ready for replay.
 *
 * @param events events in revision order (the revision of an event is its {@code mod_revision})
 * @param leases granted TTLs of leases attached to keys in the segment, where known
 */
public record DeltaSegment(List<Event> events, List<ObjectHeader.LeaseRecord> leases) {

    public DeltaSegment {
        events = List.copyOf(events);
        leases = List.copyOf(leases);
    }
}
