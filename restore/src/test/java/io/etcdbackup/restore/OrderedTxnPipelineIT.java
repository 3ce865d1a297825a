package io.etcdbackup.restore;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.KeyValue;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RequestOp;
import io.etcdbackup.snapshot.etcd.EtcdClients;
import io.etcdbackup.snapshot.etcd.EtcdConnection;
import io.etcdbackup.snapshot.testing.EtcdClusterExtension;
import io.grpc.ManagedChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Many transactions in flight against a real etcd still apply in the order of their revisions. */
class OrderedTxnPipelineIT {

    @RegisterExtension
    final EtcdClusterExtension etcd = EtcdClusterExtension.members(1);

    @Test
    void everyRevisionAppliesInOrderEvenWhenTransactionsOvertakeEachOther() {
        ManagedChannel channel = new EtcdClients(EtcdConnection.plain(etcd.clientUrls())).newChannel(etcd.clientUrls().get(0));
        try {
            KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(channel);
            long base = kv.range(RangeRequest.newBuilder().setKey(key(0)).build()).getHeader().getRevision();
            OrderedTxnPipeline pipeline = new OrderedTxnPipeline(KVGrpc.newFutureStub(channel), 64, base);
            // Revision r puts key (r % 50) with the value "r"; every 7th revision instead deletes that key
            // if it exists (a deletes-only revision gives its successor no key to guard on). A value
            // equal to its key's mod revision, and the right keys gone, prove the order.
            Map<Integer, Long> expectedModRevision = new HashMap<>();
            ByteString previousPut = null;
            int revisions = 3000;
            for (long r = base + 1; r <= base + revisions; r++) {
                int k = (int) (r % 50);
                if (r % 7 == 0 && expectedModRevision.containsKey(k)) {
                    pipeline.send("test", r, List.of(RequestOp.newBuilder().setRequestDeleteRange(
                            DeleteRangeRequest.newBuilder().setKey(key(k))).build()), previousPut);
                    expectedModRevision.remove(k);
                    previousPut = null;
                } else {
                    pipeline.send("test", r, List.of(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder()
                            .setKey(key(k)).setValue(ByteString.copyFromUtf8(Long.toString(r)))).build()), previousPut);
                    expectedModRevision.put(k, r);
                    previousPut = key(k);
                }
            }
            pipeline.drain();

            assertThat(pipeline.confirmed()).isEqualTo(base + revisions);
            for (int k = 0; k < 50; k++) {
                List<KeyValue> found = kv.range(RangeRequest.newBuilder().setKey(key(k)).build()).getKvsList();
                if (expectedModRevision.containsKey(k)) {
                    assertThat(found).as("key %d", k).singleElement().satisfies(kvs -> {
                        assertThat(kvs.getModRevision()).isEqualTo(expectedModRevision.get(keyIndex(kvs)));
                        assertThat(kvs.getValue().toStringUtf8()).isEqualTo(Long.toString(kvs.getModRevision()));
                    });
                } else {
                    assertThat(found).as("key %d", k).isEmpty();
                }
            }
            System.out.printf("pipeline: %d revisions, %d sent again%n", revisions, pipeline.resent());
        } finally {
            channel.shutdownNow();
        }
    }

    private static int keyIndex(KeyValue kv) {
        return Integer.parseInt(kv.getKey().toStringUtf8().substring("/pipeline/".length()));
    }

    private static ByteString key(int k) {
        return ByteString.copyFrom("/pipeline/" + k, StandardCharsets.UTF_8);
    }
}
