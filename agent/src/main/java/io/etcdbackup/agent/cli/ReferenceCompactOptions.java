package io.etcdbackup.agent.cli;

import io.etcdbackup.agent.config.EffectiveConfig;
import io.etcdbackup.agent.config.GoDurations;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/**
 * The reference's {@code compact} flags that etcd-druid's compaction Job passes and that have no
 * counterpart here: our compaction replays into a scratch etcd under {@code --scratch-dir} (which
 * {@code --restoration-temp-snapshots-dir} sets), always defragments it, and has no time limits.
 */
final class ReferenceCompactOptions {

    @Option(names = "--data-dir", hidden = true, paramLabel = "DIR",
            description = "Accepted for the reference; no effect (the scratch etcd runs under --scratch-dir).")
    Path dataDir;

    @Option(names = "--metrics-scrape-wait-duration", hidden = true, paramLabel = "DURATION",
            description = "Accepted for the reference; no effect (compact serves no metrics).")
    String metricsScrapeWait;

    @Option(names = "--etcd-snapshot-timeout", hidden = true, paramLabel = "DURATION",
            description = "Accepted for the reference; no effect.")
    String snapshotTimeout;

    @Option(names = "--etcd-defrag-timeout", hidden = true, paramLabel = "DURATION",
            description = "Accepted for the reference; no effect.")
    String defragTimeout;

    @Option(names = "--defragment", hidden = true, paramLabel = "BOOLEAN", arity = "0..1", fallbackValue = "true",
            description = "Accepted for the reference; no effect (the compacted snapshot is always defragmented).")
    Boolean defragment;

    private boolean logged;

    /** Checks the values as the reference does, and logs each flag given. */
    void apply(EffectiveConfig checks) {
        ReferenceFlags flags = new ReferenceFlags(checks, !logged);
        logged = true;
        flags.ignored("--data-dir", dataDir, "the scratch etcd runs under --scratch-dir");
        for (String[] flag : new String[][] {{"--metrics-scrape-wait-duration", metricsScrapeWait, "compact serves no metrics"},
                {"--etcd-snapshot-timeout", snapshotTimeout, "no time limit on the compacted snapshot"},
                {"--etcd-defrag-timeout", defragTimeout, "no time limit on defragmenting the scratch etcd"}}) {
            checks.parse(flag[0], flag[1], GoDurations::parse).ifPresent(d -> flags.ignored(flag[0], flag[1], flag[2]));
        }
        flags.ignored("--defragment", defragment, "the compacted snapshot is always defragmented");
    }
}
