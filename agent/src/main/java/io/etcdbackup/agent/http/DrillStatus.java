package io.etcdbackup.agent.http;

import io.etcdbackup.agent.drill.DrillRunner;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * The {@code drill} object of {@code /v1/status}: the schedule, the last drill and the newest
 * revision proven. Fields without a value are {@code null}.
 */
record DrillStatus(String schedule, boolean running, Long passedRevision, String passedAt, Double passedAgeSeconds, Report last) {

    static DrillStatus of(DrillRunner drills, Clock clock) {
        Optional<DrillRunner.Report> passed = drills.lastPassed();
        return new DrillStatus(drills.schedule().toString(), drills.isRunning(),
                passed.map(r -> r.revision().orElseThrow()).orElse(null),
                passed.map(r -> r.finishedAt().toString()).orElse(null),
                passed.map(r -> Duration.between(r.finishedAt(), clock.instant()).toMillis() / 1000.0).orElse(null),
                drills.last().map(Report::of).orElse(null));
    }

    /** One drill's report. */
    record Report(String outcome, String finishedAt, String generation, Long revision, Long hash, Long compactRevision,
                  String detail, double seconds) {
        static Report of(DrillRunner.Report report) {
            return new Report(report.outcome().label(), report.finishedAt().toString(), report.generation().orElse(null),
                    report.revision().isPresent() ? report.revision().getAsLong() : null,
                    report.hash().isPresent() ? report.hash().getAsLong() : null,
                    report.compactRevision().isPresent() ? report.compactRevision().getAsLong() : null,
                    report.detail().isEmpty() ? null : report.detail(), report.took().toMillis() / 1000.0);
        }
    }
}
