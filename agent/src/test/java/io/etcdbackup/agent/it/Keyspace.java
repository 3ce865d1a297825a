package io.etcdbackup.agent.it;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;

import java.util.Map;
import java.util.TreeMap;

/**
 * Every key of an etcd at one revision, with everything that must survive a restore: value,
 * create and mod revisions, version and lease.
 *
 * @param revision the header revision the read saw (the store's current revision)
 * @param keys     key (as text) to its state
 */
record Keyspace(long revision, Map<String, KeyState> keys) {

    record KeyState(String valueSha256, long createRevision, long modRevision, long version, long lease) {
    }

    private static final ByteSequence ALL = ByteSequence.from(new byte[] {0});

    /** Reads the keyspace at {@code revision} (0 for the current one), in pages of 16 keys (values may be large). */
    static Keyspace read(Client client, long revision) throws Exception {
        Map<String, KeyState> keys = new TreeMap<>();
        ByteSequence from = ALL;
        long at = revision;
        while (true) {
            GetOption.Builder option = GetOption.builder().withRange(ALL).withLimit(16);
            if (at > 0) {
                option.withRevision(at);
            }
            GetResponse page = client.getKVClient().get(from, option.build()).get();
            if (at == 0) {
                at = page.getHeader().getRevision();
            }
            for (KeyValue kv : page.getKvs()) {
                keys.put(kv.getKey().toString(), new KeyState(sha256(kv.getValue().getBytes()), kv.getCreateRevision(),
                        kv.getModRevision(), kv.getVersion(), kv.getLease()));
            }
            if (!page.isMore() || page.getKvs().isEmpty()) {
                return new Keyspace(at, keys);
            }
            byte[] last = page.getKvs().get(page.getKvs().size() - 1).getKey().getBytes();
            from = ByteSequence.from(java.util.Arrays.copyOf(last, last.length + 1));
        }
    }

    private static String sha256(byte[] value) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(value));
    }
}
