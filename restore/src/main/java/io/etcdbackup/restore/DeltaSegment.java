package io.etcdbackup.restore;

import io.etcd.jetcd.api.Event;
import io.etcdbackup.snapshot.format.ObjectHeader;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

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
     * When {@code revision} had been received at the latest: the time of the first index entry at
     * or past it (an upper bound: the index holds one entry per watch response, fewer in merged
     * segments); empty when the index does not reach it. A binary search of the index.
     */
    public Optional<Instant> receivedAt(long revision) {
        int low = 0;
        int high = receivedAt.size() - 1;
        while (low <= high) {
            int middle = (low + high) >>> 1;
            if (receivedAt.get(middle).revision() < revision) {
                low = middle + 1;
            } else {
                high = middle - 1;
            }
        }
        return low < receivedAt.size() ? Optional.of(Instant.ofEpochMilli(receivedAt.get(low).epochMillis())) : Optional.empty();
    }
}
