package io.etcdbackup.agent.schedule;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Runs tasks at instants of a {@link Clock}: the one source of time and timers for the sidecar's
 * schedules (full snapshots, delta periods, retention, defragmentation, leader checks), so that
 * tests can drive them with a virtual clock instead of waiting.
 *
 * <p>Tasks run one at a time, in the order of their due instants; a task that throws is logged
 * and does not stop the scheduler. After {@link #close()} nothing more runs.
 */
public interface TaskScheduler extends AutoCloseable {

    /** The clock that due instants refer to. */
    Clock clock();

    /**
     * Runs {@code task} at {@code when}, or as soon as possible if that has passed.
     *
     * @return a handle that prevents the run if it has not started
     */
    Scheduled at(Instant when, Runnable task);

    /** Runs {@code task} after {@code delay} from now. */
    default Scheduled after(Duration delay, Runnable task) {
        return at(clock().instant().plus(delay), task);
    }

    /** Runs {@code task} as soon as possible. */
    default Scheduled now(Runnable task) {
        return at(clock().instant(), task);
    }

    /** Stops running tasks; a task already running finishes. Waits for it at most a few seconds. */
    @Override
    void close();

    /** A task waiting to run. */
    interface Scheduled {
        /** Prevents the run if it has not started; no effect afterwards. */
        void cancel();
    }
}
