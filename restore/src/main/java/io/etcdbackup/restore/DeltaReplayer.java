package io.etcdbackup.restore;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.LeaseGrantRequest;
import io.etcd.jetcd.api.LeaseGrpc;
import io.etcd.jetcd.api.LeaseKeepAliveRequest;
import io.etcd.jetcd.api.LeaseKeepAliveResponse;
import io.etcd.jetcd.api.KeyValue;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.LeaseTimeToLiveRequest;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.TxnResponse;
import io.etcdbackup.snapshot.format.DeltaEventCodec;
import io.etcdbackup.snapshot.format.ObjectHeader;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Replays delta events into a scratch etcd, one transaction per source revision, so the restored
 * revisions, create revisions and versions equal the source's. Events at or below the scratch
 * server's current revision are skipped (an overlap with the base snapshot or between segments
 * is harmless); a missing revision is a {@link RevisionGapException}. Every transaction's
 * revision is checked against the source's.
 *
 * <p>Leases: keys keep their lease. A lease unknown to the scratch server (granted after the base
 * snapshot) is granted with the same ID and its recorded TTL. Every lease is kept alive for the
 * whole replay, so none expires and deletes keys behind the replay's back; expiry in the source
 * arrives as delete events like any other.
 */
final class DeltaReplayer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DeltaReplayer.class);

    private final KVGrpc.KVBlockingStub kv;
    private final LeaseGrpc.LeaseBlockingStub leases;
    private final long defaultLeaseTtl;
    private final Map<Long, Long> keptAlive = new ConcurrentHashMap<>();
    private final ScheduledExecutorService keepAliveTimer;
    private final StreamObserver<LeaseKeepAliveRequest> keepAliveStream;
    private long revision;

    DeltaReplayer(ManagedChannel channel, long defaultLeaseTtl) {
        this.kv = KVGrpc.newBlockingStub(channel);
        this.leases = LeaseGrpc.newBlockingStub(channel);
        this.defaultLeaseTtl = defaultLeaseTtl;
        this.keepAliveStream = LeaseGrpc.newStub(channel).leaseKeepAlive(new StreamObserver<>() {
            @Override
            public void onNext(LeaseKeepAliveResponse value) {
            }

            @Override
            public void onError(Throwable t) {
                LOG.debug("lease keep-alive stream ended: {}", t.toString());
            }

            @Override
            public void onCompleted() {
            }
        });
        this.revision = readRevision();
        keepAliveLeasesOfExistingKeys();
        this.keepAliveTimer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "restore-lease-keepalive");
            t.setDaemon(true);
            return t;
        });
        keepAliveTimer.scheduleAtFixedRate(this::sendKeepAlives, 0, 500, TimeUnit.MILLISECONDS);
    }

    /** The scratch server's current revision. */
    long revision() {
        return revision;
    }

    /**
     * Applies the revisions of one segment that are newer than the current revision.
     *
     * @param segment for messages: the segment's key
     * @return the number of revisions applied
     */
    int apply(String segment, List<Event> events, List<ObjectHeader.LeaseRecord> leaseRecords) {
        Map<Long, Long> ttls = new java.util.HashMap<>();
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
            if (sourceRevision > revision) {
                if (sourceRevision != revision + 1) {
                    throw new RevisionGapException("of segment " + segment, revision, sourceRevision, segment);
                }
                applyRevision(segment, sourceRevision, events.subList(i, end), ttls);
                applied++;
            }
            i = end;
        }
        return applied;
    }

    private void applyRevision(String segment, long sourceRevision, List<Event> events, Map<Long, Long> ttls) {
        TxnRequest.Builder txn = TxnRequest.newBuilder();
        for (Event event : events) {
            if (event.getType() == Event.EventType.PUT) {
                long lease = event.getKv().getLease();
                if (lease != 0) {
                    ensureLease(lease, ttls.getOrDefault(lease, 0L));
                }
                txn.addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder()
                        .setKey(event.getKv().getKey())
                        .setValue(event.getKv().getValue())
                        .setLease(lease)));
            } else {
                txn.addSuccess(RequestOp.newBuilder().setRequestDeleteRange(DeleteRangeRequest.newBuilder()
                        .setKey(event.getKv().getKey())));
            }
        }
        TxnResponse response = kv.txn(txn.build());
        long actual = response.getHeader().getRevision();
        if (actual != sourceRevision) {
            throw new RevisionMismatchException("revision " + sourceRevision + " of " + segment, sourceRevision, actual);
        }
        revision = actual;
    }

    private void ensureLease(long id, long recordedTtl) {
        if (keptAlive.containsKey(id)) {
            return;
        }
        long remaining = leases.leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setID(id).build()).getTTL();
        if (remaining < 0) {
            long ttl = recordedTtl > 0 ? recordedTtl : defaultLeaseTtl;
            leases.leaseGrant(LeaseGrantRequest.newBuilder().setID(id).setTTL(ttl).build());
            LOG.debug("granted lease id={} ttl={} for replay", id, ttl);
        }
        keepAlive(id);
    }

    private void keepAlive(long id) {
        keptAlive.put(id, id);
        synchronized (keepAliveStream) {
            keepAliveStream.onNext(LeaseKeepAliveRequest.newBuilder().setID(id).build());
        }
    }

    private void sendKeepAlives() {
        try {
            synchronized (keepAliveStream) {
                for (Long id : keptAlive.keySet()) {
                    keepAliveStream.onNext(LeaseKeepAliveRequest.newBuilder().setID(id).build());
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("lease keep-alive failed: {}", e.toString());
        }
    }

    /**
     * Keeps alive every lease attached to a key of the base snapshot. (etcd 3.4's LeaseLeases is
     * not in jetcd's protos; a keys-only scan finds the same leases that matter: those with keys.)
     */
    private void keepAliveLeasesOfExistingKeys() {
        ByteString start = ByteString.copyFrom(new byte[] {0});
        ByteString end = ByteString.copyFrom(new byte[] {0});
        while (true) {
            RangeResponse page = kv.range(RangeRequest.newBuilder().setKey(start).setRangeEnd(end)
                    .setKeysOnly(true).setLimit(10_000).setRevision(revision).build());
            for (KeyValue key : page.getKvsList()) {
                if (key.getLease() != 0 && !keptAlive.containsKey(key.getLease())) {
                    keepAlive(key.getLease());
                }
            }
            if (!page.getMore() || page.getKvsCount() == 0) {
                return;
            }
            start = page.getKvs(page.getKvsCount() - 1).getKey().concat(ByteString.copyFrom(new byte[] {0}));
        }
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
        keepAliveTimer.shutdownNow();
        synchronized (keepAliveStream) {
            try {
                keepAliveStream.onCompleted();
            } catch (RuntimeException ignored) {
                // the channel is going away anyway
            }
        }
    }
}
