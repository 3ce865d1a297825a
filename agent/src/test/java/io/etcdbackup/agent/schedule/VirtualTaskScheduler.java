package io.etcdbackup.agent.schedule;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.PriorityQueue;

/**
 * A {@link TaskScheduler} on a virtual clock for tests: time stands still until
 * {@link #advance(Duration)}, which runs every task due meanwhile on the calling thread, in order
 * of due time, with the clock set to each task's instant while it runs.
 */
public final class VirtualTaskScheduler implements TaskScheduler {

    private record Entry(Instant when, long order, Runnable task, boolean[] cancelled) {
    }

    private final VirtualClock clock;
    private final PriorityQueue<Entry> queue = new PriorityQueue<>((a, b) -> {
        int byTime = a.when().compareTo(b.when());
        return byTime != 0 ? byTime : Long.compare(a.order(), b.order());
    });
    private long order;
    private long ran;
    private boolean closed;

    public VirtualTaskScheduler(Instant start) {
        this.clock = new VirtualClock(start);
    }

    @Override
    public Clock clock() {
        return clock;
    }

    @Override
    public synchronized Scheduled at(Instant when, Runnable task) {
        boolean[] cancelled = {false};
        if (!closed) {
            queue.add(new Entry(when.isBefore(clock.now) ? clock.now : when, order++, task, cancelled));
        }
        return () -> cancelled[0] = true;
    }

    /** Moves the clock forward by {@code duration}, running every task due on the way. */
    public void advance(Duration duration) {
        advanceTo(clock.now.plus(duration));
    }

    /** Moves the clock to {@code target}, running every task due on the way. */
    public void advanceTo(Instant target) {
        while (true) {
            Entry next;
            synchronized (this) {
                next = queue.peek();
                if (next == null || next.when().isAfter(target) || closed) {
                    break;
                }
                queue.poll();
                clock.now = next.when();
            }
            if (!next.cancelled()[0]) {
                countRun();
                next.task().run();
            }
        }
        synchronized (this) {
            if (clock.now.isBefore(target)) {
                clock.now = target;
            }
        }
    }

    /** Runs what is due now without moving the clock. */
    public void runDue() {
        advance(Duration.ZERO);
    }

    /**
     * Runs the tasks due now that were queued before this call, without moving the clock. Tasks
     * queued meanwhile (by those tasks or by other threads, such as a capture's watch thread)
     * wait for the next call, so a test decides when a reaction to a background event runs.
     */
    public void runQueuedDue() {
        long queuedBefore;
        synchronized (this) {
            queuedBefore = order;
        }
        while (true) {
            Entry next;
            synchronized (this) {
                next = queue.peek();
                if (next == null || next.when().isAfter(clock.now) || next.order() >= queuedBefore || closed) {
                    return;
                }
                queue.poll();
            }
            if (!next.cancelled()[0]) {
                countRun();
                next.task().run();
            }
        }
    }

    private synchronized void countRun() {
        ran++;
    }

    /**
     * How many tasks have run (or are running) so far: a test that moves the clock can tell that
     * nothing ran meanwhile, without waiting to see whether something happens.
     */
    public synchronized long tasksRun() {
        return ran;
    }

    /** How many tasks are waiting (cancelled ones included until their time passes). */
    public synchronized int pending() {
        return queue.size();
    }

    @Override
    public synchronized void close() {
        closed = true;
        queue.clear();
    }

    /** A clock that only {@link VirtualTaskScheduler} moves. */
    private static final class VirtualClock extends Clock {
        private volatile Instant now;

        VirtualClock(Instant start) {
            this.now = start;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
