package io.etcdbackup.agent.it;

import io.etcd.jetcd.Client;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static io.etcdbackup.stores.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Writes of a {@link Workload} on a thread of their own, ten at a time, about 50 per second,
 * compacting as kube-apiserver does (unless asked not to); write failures while the cluster elects
 * a leader are skipped and the load goes on.
 */
final class SteadyLoad implements AutoCloseable {

    private final AtomicBoolean writing = new AtomicBoolean(true);
    private final AtomicLong writes = new AtomicLong();
    private final Thread thread;

    SteadyLoad(Client source, long seed) {
        this(source, seed, true);
    }

    /** @param compacting whether to compact as kube-apiserver does (off: etcd keeps every revision) */
    SteadyLoad(Client source, long seed, boolean compacting) {
        thread = new Thread(() -> {
            Workload workload = new Workload(source, seed);
            long compactable = 0;
            while (writing.get()) {
                try {
                    // Compact periodically, at a revision seen one period earlier (compacting at
                    // head every few writes would break any watch that is not yet in sync, and
                    // make every agent start a new generation again and again).
                    workload.run(10, false);
                    if (writes.addAndGet(10) % 200 == 0 && compacting) {
                        if (compactable > 0) {
                            source.getKVClient().compact(compactable).get();
                        }
                        compactable = source.getKVClient().get(Workload.bytes("/")).get().getHeader().getRevision();
                    }
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                } catch (Exception duringElection) {
                    // a write may fail while the cluster elects a new leader; the load goes on
                }
            }
        }, "steady-load");
        thread.start();
    }

    /** Writes acknowledged so far. */
    long writes() {
        return writes.get();
    }

    /** Waits until {@code target} writes were acknowledged in all (the load goes on). */
    void awaitWrites(long target) throws Exception {
        await("the load reaches " + target + " writes", Duration.ofSeconds(90), () -> {
            long n = writes.get();
            if (n < target) {
                assertThat(thread.isAlive()).as("the load runs").isTrue();
            }
            return n;
        }, n -> n >= target);
    }

    /** Stops writing and waits for the thread. */
    @Override
    public void close() throws InterruptedException {
        writing.set(false);
        thread.join(30_000);
    }
}
