package io.etcdbackup.restore.keys;

import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.KeyValue;

import java.time.Instant;
import java.util.Optional;

/**
 * One change to a key, as etcd's watch reports it.
 *
 * @param revision   the revision of the change
 * @param index      its place among the events of that revision (0 for the first), so that a
 *                   page of history can resume after it
 * @param receivedAt by when the agent had received the revision (an upper bound, from the segment's
 *                   receive-time index), where the segment records it
 * @param type       {@code PUT} or {@code DELETE}
 * @param kv         the key-value after the change; for a delete, the key and the revision only
 */
public record KeyChange(long revision, int index, Optional<Instant> receivedAt, Event.EventType type, KeyValue kv) {
}
