package io.etcdbackup.agent.cli;

import io.etcdbackup.agent.config.EffectiveConfig;
import io.etcdbackup.snapshot.retention.RetentionConfigException;

import io.etcdbackup.agent.config.Durations;
import io.etcdbackup.snapshot.retention.RetentionPolicies;
import io.etcdbackup.snapshot.retention.RetentionPolicy;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** Which backups retention keeps (see docs/retention.md). */
final class RetentionOptions {

    @Option(names = "--gc-policy", defaultValue = "LimitBased", paramLabel = "POLICY",
            description = "LimitBased, Exponential or Tiered (default: ${DEFAULT-VALUE}).")
    String policy;

    @Option(names = "--gc-max-backups", paramLabel = "N", description = "LimitBased: full snapshots kept (default 7).")
    String maxBackups;

    @Option(names = "--gc-hourly", paramLabel = "N", description = "Tiered: hourly points kept.")
    String hourly;

    @Option(names = "--gc-daily", paramLabel = "N", description = "Tiered: daily points kept.")
    String daily;

    @Option(names = "--gc-weekly", paramLabel = "N", description = "Tiered: weekly points kept.")
    String weekly;

    @Option(names = "--gc-monthly", paramLabel = "N", description = "Tiered: monthly points kept.")
    String monthly;

    @Option(names = "--delta-retention", defaultValue = "0s", paramLabel = "DURATION",
            description = "Delete delta segments older than this (never the live chain after the newest full snapshot); "
                    + "0s keeps them for point-in-time restore (default: ${DEFAULT-VALUE}).")
    String deltaRetention;

    @Option(names = "--gc-grace", defaultValue = "1h", paramLabel = "DURATION",
            description = "How long an object taken out of the catalog stays in the store, so restores that planned "
                    + "before still find it (default: ${DEFAULT-VALUE}).")
    String grace;

    /** Adds a problem to {@code config} for each bad retention value. */
    void validate(EffectiveConfig config) {
        try {
            RetentionPolicies.parse(policy, policyOptions());
        } catch (RetentionConfigException e) {
            config.reject(e.field().equals("policy") ? "--gc-policy" : "--gc-" + e.field(), e.value(), e.getMessage());
        }
        config.check("--delta-retention", deltaRetention, Durations::parse);
        config.check("--gc-grace", grace, Durations::parse);
    }

    RetentionPolicy policy() {
        return RetentionPolicies.parse(policy, policyOptions()).withDeltaRetention(Durations.parse(deltaRetention));
    }

    /** The --gc-* counts that are set, by the names RetentionPolicies takes. */
    Map<String, String> policyOptions() {
        Map<String, String> options = new LinkedHashMap<>();
        put(options, "max-backups", maxBackups);
        put(options, "hourly", hourly);
        put(options, "daily", daily);
        put(options, "weekly", weekly);
        put(options, "monthly", monthly);
        return options;
    }

    Duration grace() {
        return Durations.parse(grace);
    }

    private static void put(Map<String, String> options, String name, String value) {
        if (value != null) {
            options.put(name, value);
        }
    }
}
