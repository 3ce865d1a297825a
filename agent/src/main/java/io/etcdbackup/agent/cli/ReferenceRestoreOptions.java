package io.etcdbackup.agent.cli;

import io.etcdbackup.agent.config.ByteSizes;
import io.etcdbackup.agent.config.EffectiveConfig;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;

/**
 * The reference's restore flags: {@code --restoration-temp-snapshots-dir} is our {@code --scratch-dir};
 * the embedded etcd's quota and auto-compaction have no counterpart (our scratch etcd replays with
 * an 8 GiB quota, the reference's default, and is compacted once at the end).
 */
final class ReferenceRestoreOptions {

    @Option(names = "--restoration-temp-snapshots-dir", hidden = true, paramLabel = "DIR",
            description = "The reference's --scratch-dir.")
    Path tempSnapshotsDir;

    @Option(names = "--embedded-etcd-quota-bytes", hidden = true, paramLabel = "BYTES",
            description = "Accepted for the reference; no effect (the scratch etcd of a replay has an 8 GiB quota).")
    String quotaBytes;

    @Option(names = "--auto-compaction-mode", hidden = true, paramLabel = "periodic|revision",
            description = "Accepted for the reference; no effect (a replay compacts once, at its end).")
    String autoCompactionMode;

    @Option(names = "--auto-compaction-retention", hidden = true, paramLabel = "VALUE",
            description = "Accepted for the reference; no effect (a replay compacts once, at its end).")
    String autoCompactionRetention;

    private boolean logged;

    /** Applies these flags to {@code --scratch-dir} and checks the others as the reference does. */
    void apply(EffectiveConfig checks) {
        ReferenceFlags flags = new ReferenceFlags(checks, !logged);
        logged = true;
        flags.map("--restoration-temp-snapshots-dir", tempSnapshotsDir == null ? null : tempSnapshotsDir.toString(),
                t -> Path.of(t).toAbsolutePath().normalize(), "--scratch-dir", v -> ((Path) v).toAbsolutePath().normalize(), p -> p);
        checks.parse("--embedded-etcd-quota-bytes", quotaBytes, ReferenceRestoreOptions::positiveBytes).ifPresent(q -> flags.ignored(
                "--embedded-etcd-quota-bytes", quotaBytes, "the scratch etcd of a replay has an 8 GiB quota"));
        if (autoCompactionMode != null && !List.of("periodic", "revision").contains(autoCompactionMode)) {
            checks.reject("--auto-compaction-mode", autoCompactionMode, "use periodic or revision");
        } else {
            flags.ignored("--auto-compaction-mode", autoCompactionMode, "a replay compacts once, at its end");
        }
        flags.ignored("--auto-compaction-retention", autoCompactionRetention, "a replay compacts once, at its end");
    }

    private static long positiveBytes(String text) {
        long bytes = ByteSizes.parse(text);
        if (bytes < 1) {
            throw new IllegalArgumentException("must be positive");
        }
        return bytes;
    }
}
