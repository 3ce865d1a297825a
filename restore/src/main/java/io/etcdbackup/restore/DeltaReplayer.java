package io.etcdbackup.restore;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RequestOp;
import io.etcdbackup.snapshot.format.DeltaEventCodec;
import io.etcdbackup.snapshot.format.ObjectHeader;
import io.grpc.ManagedChannel;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Replays delta events into a scratch etcd, one transaction per source revision, so the restored
 * revisions, create revisions and versions equal the source's. Events at or below the scratch
 * server's current revision are skipped (an overlap with the base snapshot or between segments
 * is harmless); a missing revision is a {@link RevisionGapException}. Every transaction's
 * revision is checked against the source's. Several transactions are in flight at once, each
 * guarded so that it cannot apply before its predecessor ({@link OrderedTxnPipeline}).
 *
 * <p>Leases: keys keep their lease ({@link ReplayLeases}).
 */
final class DeltaReplayer implements AutoCloseable {

    /** Transactions per round in flight; measured in docs/performance.md ("Replay"). */
    static final int WINDOW = 32;

    private final KVGrpc.KVBlockingStub kv;
    private final ReplayLeases leases;
    private final OrderedTxnPipeline pipeline;
    /** The newest revision sent (equal to the confirmed one between segments). */
    private long sent;
    /** A key the revision {@link #sent} put, or null when it put none. */
    private ByteString lastPutKey;

    DeltaReplayer(ManagedChannel channel, long defaultLeaseTtl) {
        this.kv = KVGrpc.newBlockingStub(channel);
        long revision = readRevision();
        this.sent = revision;
        this.pipeline = new OrderedTxnPipeline(KVGrpc.newFutureStub(channel), WINDOW, revision);
        this.leases = new ReplayLeases(channel, defaultLeaseTtl, revision);
        long settled = readRevision();
        if (settled != revision) {
            // A lease of the base expired in the moments between the server's start and its first
            // keep-alive, and deleted keys: a revision the source never had. Start again.
            leases.close();
            throw new LeaseExpiredBeforeReplayException(revision, settled);
        }
    }

    /** The scratch server's current revision (every revision sent is applied when this is read). */
    long revision() {
        return pipeline.confirmed();
    }

    /** Transactions sent again because they overtook their predecessor in flight. */
    long resent() {
        return pipeline.resent();
    }

    /**
     * Applies the revisions of one segment that are newer than the current revision, and returns
     * once all are applied.
     *
     * @param segment for messages: the segment's key
     * @return the number of revisions applied
     */
    int apply(String segment, List<Event> events, List<ObjectHeader.LeaseRecord> leaseRecords) {
        Map<Long, Long> ttls = new HashMap<>();
        for (ObjectHeader.LeaseRecord lease : leaseRecords) {
            ttls.put(lease.id(), lease.grantedTtl());
        }
        int applied = 0;
        int i = 0;
        while (i < events.size()) {
            long sourceRevision = DeltaEventCodec.revisionOf(events.get(i));
            int end = i;
            while (end < events.size() && DeltaEventCodec.revisionOf(events.get(end)) == sourceRevision) {
                end++;
            }
            if (sourceRevision > sent) {
                if (sourceRevision != sent + 1) {
                    pipeline.drain();
                    throw new RevisionGapException("of segment " + segment, sent, sourceRevision, segment);
                }
                send(segment, sourceRevision, events.subList(i, end), ttls);
                applied++;
            }
            i = end;
        }
        pipeline.drain();
        return applied;
    }

    private void send(String segment, long sourceRevision, List<Event> events, Map<Long, Long> ttls) {
        List<RequestOp> ops = new ArrayList<>(events.size());
        ByteString putKey = null;
        for (Event event : events) {
            if (event.getType() == Event.EventType.PUT) {
                long lease = event.getKv().getLease();
                if (lease != 0) {
                    leases.ensure(lease, ttls.getOrDefault(lease, 0L));
                }
                ops.add(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder()
                        .setKey(event.getKv().getKey())
                        .setValue(event.getKv().getValue())
                        .setLease(lease)).build());
                putKey = event.getKv().getKey();
            } else {
                ops.add(RequestOp.newBuilder().setRequestDeleteRange(DeleteRangeRequest.newBuilder()
                        .setKey(event.getKv().getKey())).build());
            }
        }
        pipeline.send(segment, sourceRevision, ops, lastPutKey);
        sent = sourceRevision;
        lastPutKey = putKey;
    }

    private long readRevision() {
        return kv.range(RangeRequest.newBuilder().setKey(ByteString.copyFrom(new byte[] {0})).setLimit(1).build())
                .getHeader().getRevision();
    }

    /** Re-reads the revision from the server, for the per-segment check. */
    long verifiedRevision() {
        return readRevision();
    }

    @Override
    public void close() {
        leases.close();
    }
}
