package io.etcdbackup.agent.cli;

import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.KeyValue;
import io.etcdbackup.agent.values.StoredValues;
import io.etcdbackup.restore.keys.KeyChange;

import java.time.Instant;

/**
 * The table output of {@code keys} and {@code history}: one line per key or change, printed as
 * it comes (nothing is buffered), in fixed-width columns; a key longer than its column pushes
 * the rest of its line right.
 */
final class KeyTable {

    private static final String KEY_ROW = "%-56s %10s %10s %7s %16s  %s";
    private static final String CHANGE_ROW = "%10s  %-24s  %-6s  %-56s %7s";

    private KeyTable() {
    }

    static String keyHeader() {
        return String.format(KEY_ROW, "KEY", "CREATE_REV", "MOD_REV", "VERSION", "LEASE", "VALUE");
    }

    static String keyRow(KeyValue kv) {
        return String.format(KEY_ROW, kv.getKey().toStringUtf8(), kv.getCreateRevision(), kv.getModRevision(), kv.getVersion(),
                kv.getLease() == 0 ? "-" : Long.toHexString(kv.getLease()), StoredValues.describe(kv.getValue().toByteArray()).summary());
    }

    static String changeHeader(boolean withValues) {
        return String.format(CHANGE_ROW, "REVISION", "RECEIVED_AT", "TYPE", "KEY", "VERSION") + (withValues ? "  VALUE" : "");
    }

    static String changeRow(KeyChange change, boolean withValues) {
        KeyValue kv = change.kv();
        String row = String.format(CHANGE_ROW, change.revision(), change.receivedAt().map(Instant::toString).orElse("-"),
                change.type().name(), kv.getKey().toStringUtf8(), kv.getVersion());
        return withValues && change.type() != Event.EventType.DELETE
                ? row + "  " + StoredValues.describe(kv.getValue().toByteArray()).summary() : row;
    }
}
