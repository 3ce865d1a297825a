package io.etcdbackup.bench.soak;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Every key of an etcd at one revision, with what a restore must reproduce: the value (as its
 * SHA-256), create and mod revisions, version and lease.
 *
 * @param revision the revision read at
 * @param keys     key (as text) to its state
 */
record Keyspace(long revision, Map<String, KeyState> keys) {

    record KeyState(String valueSha256, long createRevision, long modRevision, long version, long lease) {
    }

    private static final ByteSequence ALL = ByteSequence.from(new byte[] {0});
    private static final int PAGE = 500;

    /** Reads the whole keyspace at {@code revision} (0: the current one), in pages, each within 30 s. */
    static Keyspace read(Client client, long revision) throws Exception {
        Map<String, KeyState> keys = new TreeMap<>();
        ByteSequence from = ALL;
        long at = revision;
        while (true) {
            GetOption.Builder option = GetOption.builder().withRange(ALL).withLimit(PAGE);
            if (at > 0) {
                option.withRevision(at);
            }
            GetResponse page = client.getKVClient().get(from, option.build()).get(30, TimeUnit.SECONDS);
            if (at == 0) {
                at = page.getHeader().getRevision();
            }
            for (KeyValue kv : page.getKvs()) {
                keys.put(kv.getKey().toString(), new KeyState(sha256(kv.getValue()), kv.getCreateRevision(), kv.getModRevision(),
                        kv.getVersion(), kv.getLease()));
            }
            if (!page.isMore() || page.getKvs().isEmpty()) {
                return new Keyspace(at, keys);
            }
            byte[] last = page.getKvs().get(page.getKvs().size() - 1).getKey().getBytes();
            from = ByteSequence.from(Arrays.copyOf(last, last.length + 1));
        }
    }

    static String sha256(ByteSequence value) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(value.getBytes()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
