package io.etcdbackup.restore.imports;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Builds objects exactly as gardener/etcd-backup-restore writes them, from its documented format
 * (written independently of the importer so the tests can disagree with it).
 */
final class ReferenceObjects {

    private ReferenceObjects() {
    }

    /** One clientv3 event; zero fields are left out of the JSON like Go's omitempty does. */
    record GoEvent(boolean delete, byte[] key, byte[] value, long createRevision, long modRevision, long version, long lease) {

        static GoEvent put(String key, String value, long create, long mod, long version) {
            return new GoEvent(false, key.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8), create, mod, version, 0);
        }

        static GoEvent delete(String key, long mod) {
            return new GoEvent(true, key.getBytes(StandardCharsets.UTF_8), new byte[0], 0, mod, 0, 0);
        }
    }

    /** {@code Full-...}/{@code Incr-...} with %08d revisions. */
    static String name(String kind, long start, long last, long unixSeconds, String suffix) {
        return String.format("%s-%08d-%08d-%d%s", kind, start, last, unixSeconds, suffix);
    }

    /** {@code json.Marshal([]event)} as Go writes it: field order of the structs, omitempty, base64 bytes, RFC3339Nano time. */
    static byte[] goJson(List<GoEvent> events, Instant time) {
        StringBuilder json = new StringBuilder("[");
        for (int i = 0; i < events.size(); i++) {
            GoEvent e = events.get(i);
            if (i > 0) {
                json.append(',');
            }
            json.append("{\"etcdEvent\":{");
            if (e.delete()) {
                json.append("\"type\":1,");
            }
            json.append("\"kv\":{");
            StringBuilder kv = new StringBuilder();
            field(kv, "key", e.key());
            field(kv, "create_revision", e.createRevision());
            field(kv, "mod_revision", e.modRevision());
            field(kv, "version", e.version());
            field(kv, "value", e.value());
            field(kv, "lease", e.lease());
            json.append(kv).append("}},\"time\":\"").append(time).append("\"}");
        }
        return json.append(']').toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void field(StringBuilder kv, String name, byte[] value) {
        if (value.length > 0) {
            comma(kv).append('"').append(name).append("\":\"").append(Base64.getEncoder().encodeToString(value)).append('"');
        }
    }

    private static void field(StringBuilder kv, String name, long value) {
        if (value != 0) {
            comma(kv).append('"').append(name).append("\":").append(value);
        }
    }

    private static StringBuilder comma(StringBuilder kv) {
        return kv.length() > 0 ? kv.append(',') : kv;
    }

    /** JSON followed by the raw SHA-256 of the JSON (uncompressed). */
    static byte[] withSha256(byte[] content) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(content);
        out.write(MessageDigest.getInstance("SHA-256").digest(content));
        return out.toByteArray();
    }

    /** Compresses per the reference's suffix: {@code ""}, {@code ".gz"} or {@code ".zlib"}. */
    static byte[] compress(byte[] raw, String suffix) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        OutputStream out = switch (suffix) {
            case "" -> bytes;
            case ".gz" -> new GZIPOutputStream(bytes);
            case ".zlib" -> new DeflaterOutputStream(bytes);
            default -> throw new IllegalArgumentException(suffix);
        };
        out.write(raw);
        out.close();
        return bytes.toByteArray();
    }

    /**
     * Bytes shaped like etcd's snapshot stream: {@code pages} 4 KiB pages whose first carries
     * bbolt's meta magic at offset 16, then the SHA-256 of them.
     */
    static byte[] fakeSnapshot(int pages, long seed) throws Exception {
        byte[] db = new byte[pages * 4096];
        new Random(seed).nextBytes(db);
        db[16] = (byte) 0xED;
        db[17] = (byte) 0xDA;
        db[18] = (byte) 0x0C;
        db[19] = (byte) 0xED;
        return withSha256(db);
    }
}
