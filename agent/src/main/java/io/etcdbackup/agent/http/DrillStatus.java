package io.etcdbackup.agent.http;

import io.etcdbackup.agent.drill.DrillRunner;

import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** The {@code drill} object of {@code /v1/status}: the schedule, the last drill and the newest revision proven. */
final class DrillStatus {

    private DrillStatus() {
    }

    static Map<String, Object> of(DrillRunner drills, Clock clock) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("schedule", drills.schedule().toString());
        body.put("running", drills.isRunning());
        Optional<DrillRunner.Report> passed = drills.lastPassed();
        body.put("passedRevision", passed.map(r -> r.revision().orElseThrow()).orElse(null));
        body.put("passedAt", passed.map(r -> r.finishedAt().toString()).orElse(null));
        body.put("passedAgeSeconds", passed.map(r -> Duration.between(r.finishedAt(), clock.instant()).toMillis() / 1000.0).orElse(null));
        body.put("last", drills.last().map(DrillStatus::report).orElse(null));
        return body;
    }

    private static Map<String, Object> report(DrillRunner.Report report) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("outcome", report.outcome().label());
        body.put("finishedAt", report.finishedAt().toString());
        body.put("generation", report.generation().orElse(null));
        body.put("revision", report.revision().isPresent() ? report.revision().getAsLong() : null);
        body.put("hash", report.hash().isPresent() ? report.hash().getAsLong() : null);
        body.put("compactRevision", report.compactRevision().isPresent() ? report.compactRevision().getAsLong() : null);
        body.put("detail", report.detail().isEmpty() ? null : report.detail());
        body.put("seconds", report.took().toMillis() / 1000.0);
        return body;
    }
}
