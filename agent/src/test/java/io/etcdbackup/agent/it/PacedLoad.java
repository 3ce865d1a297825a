package io.etcdbackup.agent.it;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;

import java.util.Random;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Puts of 1 KiB random values over 5,000 keys at a fixed rate (writes per second), on a thread of
 * its own with up to 256 puts in flight, as a busy kube-apiserver writes. Keeps the highest
 * revision etcd acknowledged; a failed put fails the load, unless the load is {@linkplain #tolerant
 * tolerant} (a cluster whose leader moves fails puts in flight; they are counted instead).
 */
final class PacedLoad implements AutoCloseable {

    private static final int IN_FLIGHT = 256;

    private final AtomicBoolean writing = new AtomicBoolean(true);
    private final AtomicLong acknowledged = new AtomicLong();
    private final AtomicLong highestRevision = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final boolean tolerant;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final Semaphore inFlight = new Semaphore(IN_FLIGHT);
    private final Thread thread;
    private final long startNanos = System.nanoTime();

    PacedLoad(Client client, int writesPerSecond, long seed) {
        this(client, writesPerSecond, seed, false);
    }

    /** A load that counts failed puts ({@link #failed()}) instead of failing. */
    static PacedLoad tolerant(Client client, int writesPerSecond, long seed) {
        return new PacedLoad(client, writesPerSecond, seed, true);
    }

    private PacedLoad(Client client, int writesPerSecond, long seed, boolean tolerant) {
        this.tolerant = tolerant;
        thread = new Thread(() -> {
            Random random = new Random(seed);
            long n = 0;
            while (writing.get() && failure.get() == null) {
                long due = startNanos + n * 1_000_000_000L / writesPerSecond;
                try {
                    long ahead = due - System.nanoTime();
                    if (ahead > 0) {
                        TimeUnit.NANOSECONDS.sleep(ahead);
                    }
                    byte[] value = new byte[1024];
                    random.nextBytes(value);
                    inFlight.acquire();
                    client.getKVClient().put(Workload.bytes("/paced/" + (n % 5000)), ByteSequence.from(value)).whenComplete((r, e) -> {
                        if (e != null && tolerant) {
                            failed.incrementAndGet();
                        } else if (e != null) {
                            failure.compareAndSet(null, e);
                        } else {
                            acknowledged.incrementAndGet();
                            highestRevision.accumulateAndGet(r.getHeader().getRevision(), Math::max);
                        }
                        inFlight.release();
                    });
                    n++;
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "paced-load");
        thread.start();
    }

    /** Writes acknowledged so far. */
    long acknowledged() {
        return acknowledged.get();
    }

    /** Puts that failed (a tolerant load only; any other fails the load). */
    long failed() {
        return failed.get();
    }

    /** Writes acknowledged per second since the start. */
    double achievedRate() {
        return acknowledged.get() / ((System.nanoTime() - startNanos) / 1e9);
    }

    /** Stops writing, waits for the puts in flight, and returns the highest acknowledged revision; fails if a put failed. */
    long stop() throws Exception {
        writing.set(false);
        thread.join(30_000);
        if (!inFlight.tryAcquire(IN_FLIGHT, 60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("puts still in flight a minute after the load stopped");
        }
        inFlight.release(IN_FLIGHT);
        if (failure.get() != null) {
            throw new IllegalStateException("a put of the paced load failed", failure.get());
        }
        return highestRevision.get();
    }

    @Override
    public void close() throws Exception {
        if (writing.get()) {
            writing.set(false);
            thread.join(30_000);
        }
    }
}
