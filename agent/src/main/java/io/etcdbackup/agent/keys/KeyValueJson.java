package io.etcdbackup.agent.keys;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.etcd.jetcd.api.KeyValue;
import io.etcdbackup.agent.values.StoredValues;
import io.etcdbackup.restore.keys.KeyChange;

import java.util.Base64;

/**
 * Keys and changes as JSON objects, in etcd's own shape: a key-value as {@code etcdctl get -w json}
 * prints it (key and value in base64, {@code create_revision}, {@code mod_revision},
 * {@code version}, {@code lease}, zero fields left out); a change as its revision, receive time,
 * {@code type} ({@code PUT} or {@code DELETE}, spelled out, where etcd's own JSON leaves PUT out)
 * and {@code kv}.
 */
public final class KeyValueJson {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private KeyValueJson() {
    }

    /** {@code kv} as etcdctl prints it; {@code decoded} adds what its value is ({@link io.etcdbackup.agent.values.StoredValues}). */
    public static ObjectNode keyValue(KeyValue kv, boolean decoded) {
        ObjectNode node = JSON.objectNode();
        node.put("key", Base64.getEncoder().encodeToString(kv.getKey().toByteArray()));
        putUnlessZero(node, "create_revision", kv.getCreateRevision());
        putUnlessZero(node, "mod_revision", kv.getModRevision());
        putUnlessZero(node, "version", kv.getVersion());
        if (!kv.getValue().isEmpty()) {
            node.put("value", Base64.getEncoder().encodeToString(kv.getValue().toByteArray()));
        }
        putUnlessZero(node, "lease", kv.getLease());
        if (decoded && !kv.getValue().isEmpty()) {
            node.set("decoded", StoredValues.describe(kv.getValue().toByteArray()).toJson());
        }
        return node;
    }

    /** {@code change} as {@code {"revision", "received_at", "type", "kv"}}; the value only {@code withValues}. */
    public static ObjectNode change(KeyChange change, boolean withValues) {
        ObjectNode node = JSON.objectNode();
        node.put("revision", change.revision());
        change.receivedAt().ifPresent(time -> node.put("received_at", time.toString()));
        node.put("type", change.type().name());
        KeyValue kv = withValues ? change.kv() : change.kv().toBuilder().clearValue().build();
        node.set("kv", keyValue(kv, withValues));
        return node;
    }

    private static void putUnlessZero(ObjectNode node, String field, long value) {
        if (value != 0) {
            node.put(field, value);
        }
    }
}
