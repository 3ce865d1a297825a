package io.etcdbackup.snapshot.capture;

import io.etcd.jetcd.api.Event;
import io.etcdbackup.snapshot.format.ObjectHeader;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongFunction;

/**
 * The granted TTLs of the leases keys are attached to, which a delta segment records so that
 * restore can recreate the leases. A lease's granted TTL never changes, so it is asked once.
 *
 * <p>Contract: {@link #observe} starts the lookup of a lease when an event carrying it arrives
 * and never blocks; {@link #recordsOf} collects the results when a segment is published, waiting
 * only for lookups still in flight and for at most a bounded time in total. A lookup that failed or
 * did not answer in time counts as TTL 0 ("unknown": restore falls back to its default TTL); a
 * failed one is asked again the next time the lease is seen or collected. At most
 * {@link #MAX_IN_FLIGHT} lookups are asked of etcd at once; a burst of new leases waits its turn
 * (and its lookup timeout starts when it is asked). Thread-safe.
 */
final class LeaseTtls {

    /** Leases remembered; the least recently used are forgotten (and asked again if seen again). */
    private static final int CAPACITY = 100_000;
    /** The most lookups etcd is asked at once. */
    static final int MAX_IN_FLIGHT = 16;

    private final LongFunction<CompletableFuture<Long>> lookup;
    private final Duration lookupTimeout;
    private final Duration collectTimeout;
    private final Map<Long, CompletableFuture<Long>> ttls = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, CompletableFuture<Long>> eldest) {
            return size() > CAPACITY;
        }
    };
    /** Lookups waiting for one in flight to finish; guarded by {@link #ttls}. */
    private final Deque<Pending> waiting = new ArrayDeque<>();
    /** Guarded by {@link #ttls}. */
    private int inFlight;
    /** Guarded by {@link #ttls}: {@link #released} is asking waiting lookups. */
    private boolean draining;

    private record Pending(long lease, CompletableFuture<Long> answer) {
    }

    /**
     * @param lookup         asks etcd for a lease's granted TTL in seconds (0 or less: expired);
     *                       must not block
     * @param lookupTimeout  a lookup not answered within this fails (and is asked again later)
     * @param collectTimeout the longest {@link #recordsOf} waits, in total, for lookups in flight
     */
    LeaseTtls(LongFunction<CompletableFuture<Long>> lookup, Duration lookupTimeout, Duration collectTimeout) {
        this.lookup = lookup;
        this.lookupTimeout = lookupTimeout;
        this.collectTimeout = collectTimeout;
    }

    /** Starts looking up the lease of {@code event}'s key, unless it has none or it is known or asked. */
    void observe(Event event) {
        long lease = event.getKv().getLease();
        if (lease != 0) {
            lookUp(lease);
        }
    }

    /**
     * The leases of {@code events}, once each in order of first appearance, with their granted
     * TTL (0 when unknown). Waits at most the collect timeout in total for lookups still in flight.
     */
    List<ObjectHeader.LeaseRecord> recordsOf(List<Event> events) {
        List<Long> leases = new ArrayList<>();
        Set<Long> seen = new HashSet<>();
        for (Event event : events) {
            long lease = event.getKv().getLease();
            if (lease != 0 && seen.add(lease)) {
                leases.add(lease);
            }
        }
        long deadline = System.nanoTime() + collectTimeout.toNanos();
        boolean interrupted = false;
        List<ObjectHeader.LeaseRecord> records = new ArrayList<>(leases.size());
        for (long lease : leases) {
            CompletableFuture<Long> ttl = lookUp(lease);
            long granted = 0;
            try {
                granted = interrupted ? ttl.getNow(0L) : ttl.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                interrupted = true;
            } catch (ExecutionException | RuntimeException failed) { // RuntimeException: getNow of a failed lookup
                // unknown for this segment; the lease is asked again when next seen
            } catch (TimeoutException stillInFlight) {
                // unknown for this segment; the lookup goes on and later segments get its answer
            }
            records.add(new ObjectHeader.LeaseRecord(lease, Math.max(0, granted)));
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return records;
    }

    private CompletableFuture<Long> lookUp(long lease) {
        synchronized (ttls) {
            CompletableFuture<Long> known = ttls.get(lease);
            if (known != null && !known.isCompletedExceptionally()) {
                return known;
            }
            CompletableFuture<Long> answer;
            if (inFlight < MAX_IN_FLIGHT) {
                answer = ask(lease);
            } else {
                answer = new CompletableFuture<>();
                waiting.add(new Pending(lease, answer));
            }
            ttls.put(lease, answer);
            return answer;
        }
    }

    /** Asks etcd now; when it answers, waiting lookups take the free place. Called holding {@link #ttls}. */
    private CompletableFuture<Long> ask(long lease) {
        inFlight++;
        CompletableFuture<Long> asked;
        try {
            asked = lookup.apply(lease).orTimeout(lookupTimeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RuntimeException e) {
            asked = CompletableFuture.failedFuture(e);
        }
        asked.whenComplete((ttl, error) -> released());
        return asked;
    }

    private void released() {
        synchronized (ttls) {
            inFlight--;
            if (draining) {
                return; // an answer that came at once, inside the loop below: the loop goes on
            }
            draining = true;
            try {
                while (inFlight < MAX_IN_FLIGHT && !waiting.isEmpty()) {
                    Pending next = waiting.poll();
                    ask(next.lease()).whenComplete((ttl, error) -> {
                        if (error != null) {
                            next.answer().completeExceptionally(error);
                        } else {
                            next.answer().complete(ttl);
                        }
                    });
                }
            } finally {
                draining = false;
            }
        }
    }
}
