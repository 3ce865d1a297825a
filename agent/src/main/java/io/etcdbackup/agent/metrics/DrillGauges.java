package io.etcdbackup.agent.metrics;

import io.etcdbackup.agent.drill.DrillRunner;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.time.Clock;
import java.time.Duration;

/**
 * The scheduled restore drills' metrics, read from the {@link DrillRunner} when scraped.
 * Prometheus names:
 * <ul>
 *   <li>{@code etcdbackup_drill_passed_revision}: the newest revision a drill proved restorable
 *       (NaN before one passed on this agent).</li>
 *   <li>{@code etcdbackup_drill_passed_age_seconds}: seconds since that drill finished (NaN before
 *       one); alert when it passes a few drill periods.</li>
 *   <li>{@code etcdbackup_drill_outcome{outcome}}: 1 for the last drill's outcome ({@code passed},
 *       {@code mismatch}, {@code inconclusive}, {@code failed}, {@code skipped}), 0 for the others
 *       (all 0 before the first drill).</li>
 *   <li>{@code etcdbackup_drill_runs_total{outcome}}: drills by outcome since start.</li>
 *   <li>{@code etcdbackup_drill_last_duration_seconds}: how long the last drill took (NaN before one).</li>
 * </ul>
 */
public final class DrillGauges {

    private DrillGauges() {
    }

    public static void register(MeterRegistry registry, DrillRunner drills, Clock clock) {
        Gauge.builder("etcdbackup.drill.passed.revision", drills,
                        d -> d.lastPassed().map(r -> (double) r.revision().orElseThrow()).orElse(Double.NaN))
                .description("Newest revision a restore drill proved restorable (etcd's HashKV equal to the live cluster's)")
                .register(registry);
        Gauge.builder("etcdbackup.drill.passed.age", drills,
                        d -> d.lastPassed().map(r -> seconds(Duration.between(r.finishedAt(), clock.instant()))).orElse(Double.NaN))
                .baseUnit("seconds").description("Seconds since the last restore drill that passed").register(registry);
        Gauge.builder("etcdbackup.drill.last.duration", drills, d -> d.last().map(r -> seconds(r.took())).orElse(Double.NaN))
                .baseUnit("seconds").description("How long the last restore drill took").register(registry);
        for (DrillRunner.Outcome outcome : DrillRunner.Outcome.values()) {
            Gauge.builder("etcdbackup.drill.outcome", drills, d -> d.last().filter(r -> r.outcome() == outcome).isPresent() ? 1 : 0)
                    .tag("outcome", outcome.label()).description("1 for the outcome of the last restore drill").register(registry);
            FunctionCounter.builder("etcdbackup.drill.runs", drills, d -> d.count(outcome))
                    .tag("outcome", outcome.label()).description("Restore drills by outcome").register(registry);
        }
    }

    private static double seconds(Duration duration) {
        return duration.toMillis() / 1000.0;
    }
}
