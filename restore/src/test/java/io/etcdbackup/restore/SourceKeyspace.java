package io.etcdbackup.restore;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.GetOption;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/** What restore ITs compare: every key with what a restore must keep of it. */
final class SourceKeyspace {

    private SourceKeyspace() {
    }

    static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    /** Every key at {@code revision} (0: the current one) as {@code value@create/mod/version/lease}. */
    static Map<String, String> read(Client client, long revision) throws Exception {
        ByteSequence all = ByteSequence.from(new byte[] {0});
        GetOption.Builder option = GetOption.builder().withRange(all);
        if (revision > 0) {
            option.withRevision(revision);
        }
        Map<String, String> keys = new TreeMap<>();
        for (KeyValue kv : client.getKVClient().get(all, option.build()).get().getKvs()) {
            keys.put(kv.getKey().toString(), kv.getValue() + "@" + kv.getCreateRevision() + "/" + kv.getModRevision() + "/"
                    + kv.getVersion() + "/" + kv.getLease());
        }
        return keys;
    }
}
