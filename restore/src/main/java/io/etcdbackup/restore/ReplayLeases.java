package io.etcdbackup.restore;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.KeyValue;
import io.etcd.jetcd.api.LeaseGrantRequest;
import io.etcd.jetcd.api.LeaseGrpc;
import io.etcd.jetcd.api.LeaseKeepAliveRequest;
import io.etcd.jetcd.api.LeaseKeepAliveResponse;
import io.etcd.jetcd.api.LeaseTimeToLiveRequest;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcdbackup.snapshot.EtcdBackupException;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The leases of a replay: every lease a replayed key uses exists on the scratch server (granted
 * with its source ID and recorded TTL when the base snapshot lacks it) and is kept alive for the
 * whole replay, so no lease expires and deletes keys behind the replay's back. Expiry in the
 * source arrives as delete events like any other.
 */
final class ReplayLeases implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ReplayLeases.class);

    private final LeaseGrpc.LeaseBlockingStub leases;
    private final long defaultLeaseTtl;
    private final Map<Long, Long> keptAlive = new ConcurrentHashMap<>();
    private final Set<Long> answered = new HashSet<>();
    private final StreamObserver<LeaseKeepAliveRequest> keepAliveStream;
    private final ScheduledExecutorService keepAliveTimer;

    /**
     * Starts keeping alive every lease attached to a key of the server's current state, and returns
     * once the server has answered a keep-alive of each (so none of them can expire before its TTL
     * has passed again).
     *
     * @param defaultLeaseTtl TTL (seconds) for a lease whose granted TTL was not recorded
     * @param revision        the server's current revision (the scan reads at it)
     */
    ReplayLeases(ManagedChannel channel, long defaultLeaseTtl, long revision) {
        this.leases = LeaseGrpc.newBlockingStub(channel);
        this.defaultLeaseTtl = defaultLeaseTtl;
        this.keepAliveStream = LeaseGrpc.newStub(channel).leaseKeepAlive(new StreamObserver<>() {
            @Override
            public void onNext(LeaseKeepAliveResponse value) {
                synchronized (answered) {
                    answered.add(value.getID());
                    answered.notifyAll();
                }
            }

            @Override
            public void onError(Throwable t) {
                LOG.debug("lease keep-alive stream ended", t);
            }

            @Override
            public void onCompleted() {
            }
        });
        keepAliveLeasesOfExistingKeys(KVGrpc.newBlockingStub(channel), revision);
        this.keepAliveTimer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "restore-lease-keepalive");
            t.setDaemon(true);
            return t;
        });
        keepAliveTimer.scheduleAtFixedRate(this::sendKeepAlives, 0, 500, TimeUnit.MILLISECONDS);
        awaitAnswers(Duration.ofMinutes(1));
    }

    private void awaitAnswers(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (answered) {
            while (!answered.containsAll(keptAlive.keySet())) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new EtcdBackupException("the scratch etcd answered no keep-alive for " + (keptAlive.size() - answered.size())
                            + " of " + keptAlive.size() + " leases within " + timeout);
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(answered, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new EtcdBackupException("interrupted while waiting for the scratch etcd's keep-alive answers", e);
                }
            }
        }
    }

    /**
     * Makes sure lease {@code id} exists and is kept alive; a missing one is granted with
     * {@code recordedTtl} (or the default when 0). Blocks for a lookup the first time an ID is seen.
     */
    void ensure(long id, long recordedTtl) {
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
            LOG.warn("lease keep-alive failed", e);
        }
    }

    /**
     * Keeps alive every lease attached to a key of the base snapshot. (etcd 3.4's LeaseLeases is
     * not in jetcd's protos; a keys-only scan finds the leases that matter: those with keys.)
     */
    private void keepAliveLeasesOfExistingKeys(KVGrpc.KVBlockingStub kv, long revision) {
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
