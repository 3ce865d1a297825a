package io.etcdbackup.bench.soak;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.kv.PutResponse;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A steady stream of puts, one key each, at a fixed rate, through a client over the founding
 * members (the ones every round keeps). A put that fails or times out (a member down, an
 * election) is not acknowledged and not expected anywhere; one etcd acknowledged is recorded in
 * {@link AckedWrites} with its revision.
 */
final class WriteLoad implements AutoCloseable {

    private static final long PUT_TIMEOUT_MILLIS = 5_000;

    private final Client client;
    private final AckedWrites acked;
    private final int writesPerSecond;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong attempted = new AtomicLong();
    private final Thread thread;

    WriteLoad(Client client, AckedWrites acked, int writesPerSecond) {
        this.client = client;
        this.acked = acked;
        this.writesPerSecond = writesPerSecond;
        this.thread = new Thread(this::run, "soak-write-load");
        this.thread.setDaemon(true);
    }

    WriteLoad start() {
        thread.start();
        return this;
    }

    /** Puts attempted so far, acknowledged or not. */
    long attempted() {
        return attempted.get();
    }

    private void run() {
        long intervalNanos = TimeUnit.SECONDS.toNanos(1) / writesPerSecond;
        long next = System.nanoTime();
        long sequence = 0;
        while (running.get()) {
            sequence++;
            attempted.incrementAndGet();
            try {
                PutResponse response = client.getKVClient().put(AckedWrites.key(sequence), AckedWrites.value(sequence))
                        .get(PUT_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
                acked.acknowledged(sequence, response.getHeader().getRevision());
            } catch (InterruptedException e) {
                return;
            } catch (Exception notAcknowledged) {
                // a member down or an election: this write was not acknowledged, the load goes on
            }
            next += intervalNanos;
            long ahead = next - System.nanoTime();
            if (ahead > 0) {
                try {
                    TimeUnit.NANOSECONDS.sleep(ahead); // pacing the load, not waiting for a condition
                } catch (InterruptedException e) {
                    return;
                }
            } else {
                next = System.nanoTime(); // behind after a slow put: no burst to catch up
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        thread.interrupt();
        thread.join(10_000);
    }
}
