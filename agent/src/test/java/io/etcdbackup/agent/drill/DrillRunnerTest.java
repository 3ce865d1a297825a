package io.etcdbackup.agent.drill;

import io.etcdbackup.agent.metrics.DrillGauges;
import io.etcdbackup.agent.schedule.CronSchedule;
import io.etcdbackup.agent.schedule.VirtualTaskScheduler;
import io.etcdbackup.restore.drill.DrillMismatchException;
import io.etcdbackup.restore.drill.DrillResult;
import io.etcdbackup.restore.drill.ScratchSpaceException;
import io.etcdbackup.snapshot.EtcdBackupException;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

class DrillRunnerTest {

    private static final Instant START = Instant.parse("2026-11-22T00:30:00Z");
    private static final CronSchedule HOURLY = CronSchedule.parse("0 * * * *");

    private final VirtualTaskScheduler scheduler = new VirtualTaskScheduler(START);
    private final AtomicBoolean writes = new AtomicBoolean(true);
    /** What the next drills do, in order; a drill with nothing queued fails the test. */
    private final Deque<DrillRunner.Drill> next = new ArrayDeque<>();
    private int drills;
    private final DrillRunner runner = new DrillRunner(() -> {
        drills++;
        return next.removeFirst().run();
    }, HOURLY, scheduler, writes::get);

    private static DrillRunner.Drill passes(long revision) {
        return () -> new DrillResult(DrillResult.Verdict.PASSED, "g", revision, OptionalLong.of(7), 3, "", Duration.ofSeconds(2));
    }

    @Test
    void aDrillRunsAtEachScheduledTimeOnlyWhileThisAgentWritesTheBackups() {
        runner.start();
        writes.set(false);
        scheduler.advance(Duration.ofHours(1));
        assertThat(drills).as("a follower's agent does not drill").isZero();
        assertThat(runner.last()).isEmpty();

        writes.set(true);
        next.add(passes(100));
        next.add(passes(120));
        scheduler.advance(Duration.ofMinutes(29));
        assertThat(drills).as("not before the scheduled time (now 01:59)").isZero();
        scheduler.advance(Duration.ofMinutes(1));
        assertThat(drills).isEqualTo(1);
        scheduler.advance(Duration.ofHours(1));
        assertThat(drills).isEqualTo(2);
        assertThat(runner.last().orElseThrow().finishedAt()).isEqualTo(Instant.parse("2026-11-22T03:00:00Z"));
        assertThat(runner.lastPassed().orElseThrow().revision()).hasValue(120);
    }

    @Test
    void everyOutcomeIsRecordedWithItsDetailAndTheNewestProvenRevisionOutlivesLaterFailures() {
        runner.start();
        next.add(passes(100));
        next.add(() -> {
            throw new DrillMismatchException("g", 11, 130, 12, 130, 90);
        });
        next.add(() -> new DrillResult(DrillResult.Verdict.INCONCLUSIVE, "g", 140, OptionalLong.empty(), 0,
                "the live cluster compacted it", Duration.ofSeconds(1)));
        next.add(() -> {
            throw new EtcdBackupException("snapshot object 'k' is corrupt: SHA-256 mismatch");
        });
        next.add(() -> {
            throw new ScratchSpaceException(Path.of("/scratch"), 3000, 10);
        });

        scheduler.advance(Duration.ofHours(1));
        assertThat(runner.last().orElseThrow().outcome()).isEqualTo(DrillRunner.Outcome.PASSED);
        scheduler.advance(Duration.ofHours(1));
        DrillRunner.Report mismatch = runner.last().orElseThrow();
        assertThat(mismatch.outcome()).isEqualTo(DrillRunner.Outcome.MISMATCH);
        assertThat(mismatch.revision()).hasValue(130);
        assertThat(mismatch.detail()).contains("HashKV 11 at revision 130", "HashKV 12 at revision 130");
        scheduler.advance(Duration.ofHours(1));
        assertThat(runner.last().orElseThrow().outcome()).isEqualTo(DrillRunner.Outcome.INCONCLUSIVE);
        assertThat(runner.last().orElseThrow().detail()).isEqualTo("the live cluster compacted it");
        scheduler.advance(Duration.ofHours(1));
        assertThat(runner.last().orElseThrow().outcome()).isEqualTo(DrillRunner.Outcome.FAILED);
        assertThat(runner.last().orElseThrow().detail()).contains("corrupt");
        scheduler.advance(Duration.ofHours(1));
        assertThat(runner.last().orElseThrow().outcome()).isEqualTo(DrillRunner.Outcome.SKIPPED);
        assertThat(runner.last().orElseThrow().detail()).contains("not enough scratch space", "/scratch");

        assertThat(runner.lastPassed().orElseThrow().revision()).hasValue(100);
        for (DrillRunner.Outcome outcome : DrillRunner.Outcome.values()) {
            assertThat(runner.count(outcome)).as(outcome.label()).isEqualTo(1);
        }
    }

    @Test
    void theMetricsShowTheNewestProvenRevisionItsAgeAndTheLastOutcome() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        DrillGauges.register(registry, runner, scheduler.clock());
        assertThat(metric(registry.scrape(), "etcdbackup_drill_passed_revision", "")).isNaN();
        assertThat(metric(registry.scrape(), "etcdbackup_drill_outcome", "outcome=\"passed\"")).isZero();

        runner.start();
        next.add(passes(100));
        next.add(() -> {
            throw new DrillMismatchException("g", 11, 130, 12, 130, 90);
        });
        scheduler.advance(Duration.ofHours(1));
        scheduler.advance(Duration.ofHours(1));
        scheduler.advance(Duration.ofMinutes(15));

        String scrape = registry.scrape();
        assertThat(metric(scrape, "etcdbackup_drill_passed_revision", "")).isEqualTo(100);
        assertThat(metric(scrape, "etcdbackup_drill_passed_age_seconds", "")).as("passed at 01:00, now 02:45").isEqualTo(6300);
        assertThat(metric(scrape, "etcdbackup_drill_outcome", "outcome=\"mismatch\"")).isEqualTo(1);
        assertThat(metric(scrape, "etcdbackup_drill_outcome", "outcome=\"passed\"")).isZero();
        assertThat(metric(scrape, "etcdbackup_drill_runs_total", "outcome=\"passed\"")).isEqualTo(1);
        assertThat(metric(scrape, "etcdbackup_drill_runs_total", "outcome=\"mismatch\"")).isEqualTo(1);
        assertThat(metric(scrape, "etcdbackup_drill_runs_total", "outcome=\"skipped\"")).isZero();
    }

    private static double metric(String scrape, String name, String labels) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(\\{[^}]*" + Pattern.quote(labels) + "[^}]*\\})? (\\S+)$")
                .matcher(scrape);
        assertThat(m.find()).as("%s{%s} in\n%s", name, labels, scrape).isTrue();
        return Double.parseDouble(m.group(2));
    }
}
