package io.etcdbackup.agent.cli;

import io.etcdbackup.agent.config.ByteSizes;
import io.etcdbackup.agent.config.Durations;
import io.etcdbackup.agent.config.EffectiveConfig;
import io.etcdbackup.agent.config.GoDurations;
import io.etcdbackup.agent.schedule.CronSchedule;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The reference's snapshotter, garbage-collection, defragmentation and leader-election flags of
 * {@code server}, as etcd-druid passes them, applied onto the server's own options (see
 * {@link ReferenceFlags}). Durations are Go's ({@code 15m0s}); schedules are standard cron, with
 * the reference's {@code @hourly}-style shorthands.
 */
final class ReferenceServerOptions {

    private static final Duration DELTA_THRESHOLD = Duration.ofSeconds(1);
    private static final Map<String, String> CRON_SHORTHANDS = Map.of("@yearly", "0 0 1 1 *", "@annually", "0 0 1 1 *",
            "@monthly", "0 0 1 * *", "@weekly", "0 0 * * 0", "@daily", "0 0 * * *", "@midnight", "0 0 * * *", "@hourly", "0 * * * *");

    /** Minute, hour, day of month, month, day of week. */
    private static final int[][] CRON_RANGES = {{0, 59}, {0, 23}, {1, 31}, {1, 12}, {0, 6}};
    private static final Pattern STEP = Pattern.compile("(\\*|(\\d+)(?:-(\\d+))?)/(\\d+)");

    @Option(names = "--schedule", hidden = true, paramLabel = "CRON", description = "The reference's --full-schedule.")
    String schedule;

    @Option(names = "--delta-snapshot-period", hidden = true, paramLabel = "DURATION",
            description = "The reference's --delta-period; below 1s the reference takes no deltas: here deltas are still captured "
                    + "and published at --delta-flush-size.")
    String deltaPeriod;

    @Option(names = "--delta-snapshot-memory-limit", hidden = true, paramLabel = "BYTES",
            description = "The reference's --delta-flush-size (publish when this much is buffered); --delta-memory-limit is raised "
                    + "to it when lower and not given.")
    String deltaMemoryLimit;

    @Option(names = "--delta-snapshot-retention-period", hidden = true, paramLabel = "DURATION",
            description = "The reference's --delta-retention.")
    String deltaRetention;

    @Option(names = "--garbage-collection-policy", hidden = true, paramLabel = "LimitBased|Exponential",
            description = "The reference's --gc-policy.")
    String gcPolicy;

    @Option(names = "--max-backups", hidden = true, paramLabel = "N",
            description = "The reference's --gc-max-backups (with LimitBased).")
    String maxBackups;

    @Option(names = "--garbage-collection-period", hidden = true, paramLabel = "DURATION",
            description = "The reference's --gc-period.")
    String gcPeriod;

    @Option(names = "--defragmentation-schedule", hidden = true, paramLabel = "CRON",
            description = "The reference's --defrag-schedule.")
    String defragSchedule;

    @Option(names = "--etcd-defrag-timeout", hidden = true, paramLabel = "DURATION",
            description = "The reference's --defrag-timeout.")
    String defragTimeout;

    @Option(names = "--reelection-period", hidden = true, paramLabel = "DURATION",
            description = "The reference's --leader-check-period.")
    String reelectionPeriod;

    @Option(names = "--etcd-snapshot-timeout", hidden = true, paramLabel = "DURATION",
            description = "Accepted for the reference; no effect: a full snapshot has no total limit here, --snapshot-idle-timeout "
                    + "aborts a stalled one.")
    String snapshotTimeout;

    @Option(names = "--etcd-connection-timeout-leader-election", hidden = true, paramLabel = "DURATION",
            description = "Accepted for the reference; no effect (the leader check is one status call per --leader-check-period).")
    String leaderElectionTimeout;

    @Option(names = "--use-etcd-wrapper", hidden = true, paramLabel = "BOOLEAN", arity = "0..1", fallbackValue = "true",
            description = "Accepted for the reference; no effect.")
    Boolean etcdWrapper;

    @Option(names = "--enable-profiling", hidden = true, paramLabel = "BOOLEAN", arity = "0..1", fallbackValue = "true",
            description = "Accepted for the reference; no effect (no pprof endpoints here).")
    Boolean profiling;

    private boolean logged;

    /** Applies these flags onto the server's options, before those are checked. */
    void apply(EffectiveConfig checks) {
        ReferenceFlags flags = new ReferenceFlags(checks, !logged);
        logged = true;
        flags.map("--schedule", schedule, ReferenceServerOptions::cron, "--full-schedule", ReferenceServerOptions::oursCron, c -> c);
        flags.map("--delta-snapshot-period", deltaPeriod, ReferenceServerOptions::deltaPeriod, "--delta-period", ours(Durations::parse),
                Durations::format);
        if (deltaPeriod != null && belowThreshold(deltaPeriod)) {
            flags.applied("--delta-snapshot-period", deltaPeriod, "below 1s the reference takes no deltas; here they are still "
                    + "captured and published at --delta-flush-size");
        }
        deltaMemoryLimit(checks, flags);
        flags.map("--delta-snapshot-retention-period", deltaRetention, ReferenceServerOptions::notNegative, "--delta-retention",
                ours(Durations::parse), Durations::format);
        flags.map("--garbage-collection-policy", gcPolicy, ReferenceServerOptions::policy, "--gc-policy",
                v -> String.valueOf(v).toLowerCase(Locale.ROOT), p -> gcPolicy);
        if (String.valueOf(checks.value("--gc-policy")).equalsIgnoreCase("LimitBased")) {
            flags.map("--max-backups", maxBackups, ReferenceServerOptions::positiveCount, "--gc-max-backups", ours(Integer::parseInt),
                    String::valueOf);
        } else {
            flags.ignored("--max-backups", maxBackups, "counts only with LimitBased, and the policy is " + checks.value("--gc-policy"));
        }
        flags.map("--garbage-collection-period", gcPeriod, ReferenceServerOptions::notNegative, "--gc-period", ours(Durations::parse),
                Durations::format);
        flags.map("--defragmentation-schedule", defragSchedule, ReferenceServerOptions::cron, "--defrag-schedule",
                ReferenceServerOptions::oursCron, c -> c);
        flags.map("--etcd-defrag-timeout", defragTimeout, ReferenceServerOptions::positive, "--defrag-timeout", ours(Durations::parse),
                Durations::format);
        flags.map("--reelection-period", reelectionPeriod, ReferenceServerOptions::positive, "--leader-check-period",
                ours(Durations::parse), Durations::format);
        checks.parse("--etcd-snapshot-timeout", snapshotTimeout, ReferenceServerOptions::positive).ifPresent(d -> flags.ignored(
                "--etcd-snapshot-timeout", snapshotTimeout,
                "no total limit on a full snapshot; --snapshot-idle-timeout aborts a stalled one"));
        checks.parse("--etcd-connection-timeout-leader-election", leaderElectionTimeout, ReferenceServerOptions::positive)
                .ifPresent(d -> flags.ignored("--etcd-connection-timeout-leader-election", leaderElectionTimeout,
                        "the leader check is one status call per --leader-check-period"));
        flags.ignored("--use-etcd-wrapper", etcdWrapper, "etcd-wrapper is served through /initialization and /config; nothing to switch");
        flags.ignored("--enable-profiling", profiling, "no profiling endpoints");
    }

    /** The reference's memory limit is a flush trigger (our flush size); the hard cap must hold at least that much. */
    private void deltaMemoryLimit(EffectiveConfig checks, ReferenceFlags flags) {
        if (deltaMemoryLimit == null) {
            return;
        }
        long limit;
        try {
            limit = ByteSizes.parse(deltaMemoryLimit);
        } catch (IllegalArgumentException e) {
            checks.reject("--delta-snapshot-memory-limit", deltaMemoryLimit, e.getMessage());
            return;
        }
        if (limit < 1) {
            flags.ignored("--delta-snapshot-memory-limit", deltaMemoryLimit, "below 1 byte the reference uses its default; "
                    + "--delta-flush-size applies");
            return;
        }
        flags.map("--delta-snapshot-memory-limit", deltaMemoryLimit, ByteSizes::parse, "--delta-flush-size", ours(ByteSizes::parse),
                String::valueOf);
        long cap;
        try {
            cap = ByteSizes.parse(String.valueOf(checks.value("--delta-memory-limit")));
        } catch (IllegalArgumentException e) {
            return; // our own check names --delta-memory-limit
        }
        if (cap < limit) {
            if (checks.given("--delta-memory-limit")) {
                flags.contradicts("--delta-snapshot-memory-limit", deltaMemoryLimit, "--delta-memory-limit");
            } else {
                checks.derive("--delta-memory-limit", String.valueOf(limit), "--delta-snapshot-memory-limit");
                flags.applied("--delta-snapshot-memory-limit", deltaMemoryLimit, "--delta-memory-limit raised to it (the hard cap "
                        + "must hold a whole flush)");
            }
        }
    }

    /** Reads our option's value (a string) with {@code parser}. */
    private static <T> Function<Object, T> ours(Function<String, T> parser) {
        return v -> parser.apply(String.valueOf(v));
    }

    /**
     * A standard cron expression (or a shorthand) in the form our schedules take: blanks normalised,
     * and a step longer than its range (a step of 24 in the hour field, which the reference reads as
     * hour 0 only) written as the one value it matches.
     */
    static String cron(String text) {
        String expression = CRON_SHORTHANDS.getOrDefault(text.strip(), text.strip().replaceAll("\\s+", " "));
        if (expression.startsWith("@")) {
            throw new IllegalArgumentException("'" + text + "': only the fixed shorthands (@hourly, @daily, @weekly, @monthly, "
                    + "@yearly) are taken, not @every");
        }
        String[] fields = expression.split(" ");
        if (fields.length == CRON_RANGES.length) {
            for (int i = 0; i < fields.length; i++) {
                int[] range = CRON_RANGES[i];
                fields[i] = Arrays.stream(fields[i].split(",", -1)).map(e -> singleStep(e, range[0], range[1]))
                        .collect(Collectors.joining(","));
            }
            expression = String.join(" ", fields);
        }
        CronSchedule.parse(expression);
        return expression;
    }

    /** An element {@code START/STEP} (START is a star, a value or a range) whose step passes the end of its range matches START only. */
    private static String singleStep(String element, int min, int max) {
        Matcher m = STEP.matcher(element);
        if (!m.matches()) {
            return element;
        }
        int start = m.group(1).equals("*") ? min : Integer.parseInt(m.group(2));
        int end = m.group(3) != null ? Integer.parseInt(m.group(3)) : max;
        return Integer.parseInt(m.group(4)) > end - start ? String.valueOf(start) : element;
    }

    private static String oursCron(Object value) {
        return String.valueOf(value).strip().replaceAll("\\s+", " ");
    }

    /** Whether a valid period is one the reference takes as "no deltas" (a bad one is reported by the mapping). */
    private static boolean belowThreshold(String text) {
        try {
            return GoDurations.parse(text).compareTo(DELTA_THRESHOLD) < 0;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static Duration deltaPeriod(String text) {
        Duration d = GoDurations.parse(text);
        return d.compareTo(DELTA_THRESHOLD) < 0 ? Duration.ZERO : d;
    }

    private static Duration notNegative(String text) {
        Duration d = GoDurations.parse(text);
        if (d.isNegative()) {
            throw new IllegalArgumentException("must not be negative");
        }
        return d;
    }

    private static Duration positive(String text) {
        Duration d = GoDurations.parse(text);
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException("must be positive");
        }
        return d;
    }

    private static String policy(String text) {
        if (!text.equals("LimitBased") && !text.equals("Exponential")) {
            throw new IllegalArgumentException("the reference's policies are LimitBased and Exponential");
        }
        return text.toLowerCase(Locale.ROOT);
    }

    private static Integer positiveCount(String text) {
        int n;
        try {
            n = Integer.parseInt(text.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a whole number");
        }
        if (n < 1) {
            throw new IllegalArgumentException("must be at least 1 with LimitBased");
        }
        return n;
    }
}
