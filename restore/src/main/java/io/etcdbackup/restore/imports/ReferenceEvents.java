package io.etcdbackup.restore.imports;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.KeyValue;
import io.etcdbackup.snapshot.format.CorruptObjectException;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The reference's delta JSON: an array of {@code {"etcdEvent": E, "time": "<RFC3339>"}} where E is
 * clientv3's {@code Event} as Go's {@code encoding/json} marshals it: {@code type} is the enum's
 * number with {@code omitempty} (so PUT, 0, is usually absent; DELETE is 1; the names are accepted
 * too), {@code kv} holds {@code key} and {@code value} as base64 and {@code create_revision},
 * {@code mod_revision}, {@code version}, {@code lease} as JSON numbers, each omitted when zero
 * (numbers written as strings are accepted too). {@code prev_kv} and {@code time} are ignored.
 */
final class ReferenceEvents {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ReferenceEvents() {
    }

    /**
     * Parses and checks the events of the delta {@code key}: every event's revision lies in
     * {@code first..last}, revisions never decrease, and the last event is at {@code last}.
     */
    static List<Event> parse(String key, byte[] bytes, int length, long first, long last) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(bytes, 0, length);
        } catch (JsonProcessingException e) {
            throw new CorruptObjectException(key, "undecodable JSON events: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isArray()) {
            throw new CorruptObjectException(key, "expected a JSON array of events, found " + (root == null ? "nothing" : root.getNodeType()));
        }
        List<Event> events = new ArrayList<>(root.size());
        long previous = 0;
        for (int i = 0; i < root.size(); i++) {
            Event event = event(key, i, root.get(i));
            long revision = event.getKv().getModRevision();
            if (revision < first || revision > last) {
                throw new CorruptObjectException(key, "event " + i + " is at revision " + revision + ", outside the name's "
                        + first + ".." + last);
            }
            if (revision < previous) {
                throw new CorruptObjectException(key, "event " + i + " goes back from revision " + previous + " to " + revision);
            }
            previous = revision;
            events.add(event);
        }
        if (previous != last) {
            throw new CorruptObjectException(key, events.isEmpty() ? "holds no events, its name says revisions " + first + ".." + last
                    : "events end at revision " + previous + ", its name says " + last);
        }
        return events;
    }

    private static Event event(String key, int index, JsonNode entry) {
        JsonNode etcdEvent = entry == null ? null : entry.get("etcdEvent");
        if (etcdEvent == null || !etcdEvent.isObject()) {
            throw new CorruptObjectException(key, "event " + index + " has no \"etcdEvent\" object");
        }
        JsonNode kv = etcdEvent.get("kv");
        if (kv == null || !kv.isObject()) {
            throw new CorruptObjectException(key, "event " + index + " has no \"kv\" object");
        }
        ByteString k = bytes(key, index, kv, "key");
        if (k.isEmpty()) {
            throw new CorruptObjectException(key, "event " + index + " has an empty key");
        }
        long modRevision = number(key, index, kv, "mod_revision");
        if (modRevision <= 0) {
            throw new CorruptObjectException(key, "event " + index + " has no mod_revision");
        }
        return Event.newBuilder()
                .setType(type(key, index, etcdEvent.get("type")))
                .setKv(KeyValue.newBuilder()
                        .setKey(k)
                        .setValue(bytes(key, index, kv, "value"))
                        .setCreateRevision(number(key, index, kv, "create_revision"))
                        .setModRevision(modRevision)
                        .setVersion(number(key, index, kv, "version"))
                        .setLease(number(key, index, kv, "lease")))
                .build();
    }

    private static Event.EventType type(String key, int index, JsonNode type) {
        if (type == null || type.isNull()) {
            return Event.EventType.PUT; // omitempty drops PUT (0)
        }
        if (type.isIntegralNumber()) {
            switch (type.intValue()) {
                case 0:
                    return Event.EventType.PUT;
                case 1:
                    return Event.EventType.DELETE;
                default:
                    break;
            }
        } else if (type.isTextual()) {
            switch (type.textValue()) {
                case "PUT":
                    return Event.EventType.PUT;
                case "DELETE":
                    return Event.EventType.DELETE;
                default:
                    break;
            }
        }
        throw new CorruptObjectException(key, "event " + index + " has an unknown type " + type);
    }

    private static ByteString bytes(String key, int index, JsonNode kv, String field) {
        JsonNode node = kv.get(field);
        if (node == null || node.isNull()) {
            return ByteString.EMPTY;
        }
        if (!node.isTextual()) {
            throw new CorruptObjectException(key, "event " + index + ": kv." + field + " is not a base64 string");
        }
        try {
            return ByteString.copyFrom(Base64.getDecoder().decode(node.textValue()));
        } catch (IllegalArgumentException e) {
            throw new CorruptObjectException(key, "event " + index + ": kv." + field + " is not base64: " + e.getMessage(), e);
        }
    }

    private static long number(String key, int index, JsonNode kv, String field) {
        JsonNode node = kv.get(field);
        if (node == null || node.isNull()) {
            return 0;
        }
        if (node.isIntegralNumber() && node.canConvertToLong()) {
            return node.longValue();
        }
        if (node.isTextual()) {
            try {
                return Long.parseLong(node.textValue());
            } catch (NumberFormatException e) {
                // reported below
            }
        }
        throw new CorruptObjectException(key, "event " + index + ": kv." + field + " is not an int64: " + node);
    }
}
