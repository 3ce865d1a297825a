package io.etcdbackup.agent.drill;

import io.etcdbackup.agent.schedule.CronSchedule;
import io.etcdbackup.agent.schedule.TaskScheduler;
import io.etcdbackup.restore.drill.DrillMismatchException;
import io.etcdbackup.restore.drill.DrillResult;
import io.etcdbackup.restore.drill.ScratchSpaceException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.BooleanSupplier;

/**
 * The sidecar's scheduled restore drills: at each time of the cron schedule, while this agent
 * writes the backups (its etcd member leads), one {@link io.etcdbackup.restore.drill.RestoreDrill}
 * of the latest chain. Drills run on the scheduler's thread, so at most one runs at a time; a
 * drill that outlasts the next scheduled time makes the runner skip that time, not queue it.
 * Followers' agents never drill: the leader's agent writes the chain and sits beside the member
 * hashed.
 *
 * <p>The outcome of the last drill and the newest revision a drill proved are kept for
 * {@code /v1/status} and the metrics.
 */
public final class DrillRunner implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DrillRunner.class);

    /** One drill of the latest chain; in production {@code RestoreDrill::run}. */
    @FunctionalInterface
    public interface Drill {
        /**
         * @return passed or inconclusive
         * @throws DrillMismatchException when the hashes differ
         * @throws ScratchSpaceException  when there is too little scratch space to start
         */
        DrillResult run() throws IOException;
    }

    /** How a scheduled drill ended. */
    public enum Outcome {
        /** The restored chain hashes like the live cluster. */
        PASSED,
        /** The hashes differ: the backup does not restore the live history. */
        MISMATCH,
        /** The hashes could not be compared (see the reason). */
        INCONCLUSIVE,
        /** The drill could not run to a comparison: a corrupt object, a gap, etcd not answering. */
        FAILED,
        /** Not started: too little scratch space. */
        SKIPPED;

        /** As in metrics and {@code /v1/status}: lower case. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * One drill as the runner saw it.
     *
     * @param outcome         how it ended
     * @param finishedAt      when
     * @param generation      the generation restored; empty if the drill did not get that far
     * @param revision        the revision compared (or aimed at); empty if unknown
     * @param hash            etcd's hash, when passed
     * @param compactRevision the compaction point compared at, when passed (-1: never compacted)
     * @param detail          the reason (inconclusive, skipped) or the error (mismatch, failed); empty when passed
     * @param took            how long it ran
     */
    public record Report(Outcome outcome, Instant finishedAt, Optional<String> generation, OptionalLong revision,
                         OptionalLong hash, OptionalLong compactRevision, String detail, Duration took) {
    }

    private final Drill drill;
    private final CronSchedule schedule;
    private final TaskScheduler scheduler;
    private final Clock clock;
    private final BooleanSupplier writes;
    private final Map<Outcome, Long> counts = new EnumMap<>(Outcome.class);
    private volatile Report last;
    private volatile Report lastPassed;
    private volatile boolean running;
    private volatile boolean closed;

    /**
     * @param schedule  when drills are due (UTC cron)
     * @param scheduler runs the drills, one at a time; its clock stamps the reports. Give it its
     *                  own thread: a drill takes as long as a restore
     * @param writes    whether this agent writes the backups now (its member leads); a due drill
     *                  is skipped silently when not
     */
    public DrillRunner(Drill drill, CronSchedule schedule, TaskScheduler scheduler, BooleanSupplier writes) {
        this.drill = drill;
        this.schedule = schedule;
        this.scheduler = scheduler;
        this.clock = scheduler.clock();
        this.writes = writes;
        for (Outcome outcome : Outcome.values()) {
            counts.put(outcome, 0L);
        }
    }

    /** Schedules the first drill at the schedule's next time. */
    public void start() {
        scheduleNext();
    }

    public CronSchedule schedule() {
        return schedule;
    }

    /** The last drill this agent ran (or skipped for lack of space), if any. */
    public Optional<Report> last() {
        return Optional.ofNullable(last);
    }

    /** The newest drill that passed, if any: its revision is the newest one proven to restore. */
    public Optional<Report> lastPassed() {
        return Optional.ofNullable(lastPassed);
    }

    /** Whether a drill is running now. */
    public boolean isRunning() {
        return running;
    }

    /** Drills that ended with {@code outcome} since start. */
    public synchronized long count(Outcome outcome) {
        return counts.get(outcome);
    }

    private void scheduleNext() {
        if (closed) {
            return;
        }
        schedule.nextAfter(clock.instant()).ifPresent(next -> scheduler.at(next, () -> {
            if (closed) {
                return;
            }
            try {
                if (writes.getAsBoolean()) {
                    runOnce();
                }
            } finally {
                scheduleNext();
            }
        }));
    }

    /** Runs one drill now, on the calling thread, and records it. */
    private Report runOnce() {
        Instant startedAt = clock.instant();
        running = true;
        Report report;
        try {
            DrillResult result = drill.run();
            report = result.verdict() == DrillResult.Verdict.PASSED
                    ? new Report(Outcome.PASSED, clock.instant(), Optional.of(result.generation()), OptionalLong.of(result.revision()),
                    result.hash(), OptionalLong.of(result.compactRevision()), "", result.took())
                    : new Report(Outcome.INCONCLUSIVE, clock.instant(), Optional.of(result.generation()),
                    OptionalLong.of(result.revision()), OptionalLong.empty(), OptionalLong.empty(), result.reason(), result.took());
        } catch (DrillMismatchException mismatch) {
            LOG.error("restore drill failed: the backup does not restore the live history generation={} revision={} live_hash={} "
                            + "restored_hash={} compact_revision={}", mismatch.generation(), mismatch.liveRevision(), mismatch.liveHash(),
                    mismatch.restoredHash(), mismatch.compactRevision(), mismatch);
            report = new Report(Outcome.MISMATCH, clock.instant(), Optional.of(mismatch.generation()),
                    OptionalLong.of(mismatch.liveRevision()), OptionalLong.empty(), OptionalLong.of(mismatch.compactRevision()),
                    mismatch.getMessage(), Duration.between(startedAt, clock.instant()));
        } catch (ScratchSpaceException space) {
            LOG.warn("restore drill skipped reason=\"{}\" scratch_dir={} required_bytes={} usable_bytes={}", space.getMessage(),
                    space.directory(), space.requiredBytes(), space.usableBytes(), space);
            report = failure(Outcome.SKIPPED, space, startedAt);
        } catch (IOException | RuntimeException e) {
            LOG.error("restore drill could not compare reason=\"{}\"", e.getMessage(), e);
            report = failure(Outcome.FAILED, e, startedAt);
        } finally {
            running = false;
        }
        record(report);
        return report;
    }

    private Report failure(Outcome outcome, Exception e, Instant startedAt) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().replace('\n', ' ');
        return new Report(outcome, clock.instant(), Optional.empty(), OptionalLong.empty(), OptionalLong.empty(),
                OptionalLong.empty(), message, Duration.between(startedAt, clock.instant()));
    }

    private synchronized void record(Report report) {
        counts.merge(report.outcome(), 1L, Long::sum);
        last = report;
        if (report.outcome() == Outcome.PASSED) {
            lastPassed = report;
        }
    }

    /** Stops scheduling drills; a drill already running finishes (its scheduler's close waits for it). */
    @Override
    public void close() {
        closed = true;
    }
}
