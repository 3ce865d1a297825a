package io.etcdbackup.agent.cli;

import io.etcdbackup.agent.config.EffectiveConfig;

import io.etcdbackup.agent.backup.CaptureSettings;
import io.etcdbackup.agent.config.ByteSizes;
import io.etcdbackup.agent.config.Durations;
import io.etcdbackup.snapshot.capture.DeltaCapture;
import io.etcdbackup.snapshot.capture.FullSnapshotter;
import io.etcdbackup.snapshot.format.Codec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;


/** How snapshots are captured and encoded. */
final class CaptureOptions {

    @Mixin
    CompressionOptions compression;

    @Option(names = "--delta-period", defaultValue = "20s", paramLabel = "DURATION",
            description = "Publish captured revisions this often (default: ${DEFAULT-VALUE}).")
    String deltaPeriod;

    @Option(names = "--delta-flush-size", defaultValue = "10MiB", paramLabel = "BYTES",
            description = "Publish as soon as this many event bytes are buffered (default: ${DEFAULT-VALUE}).")
    String deltaFlushSize;

    @Option(names = "--delta-memory-limit", defaultValue = "64MiB", paramLabel = "BYTES",
            description = "Hard cap on buffered event bytes: the watch is paused (gRPC flow control) at this size "
                    + "until a segment is published (default: ${DEFAULT-VALUE}).")
    String deltaMemoryLimit;

    @Option(names = "--snapshot-idle-timeout", defaultValue = "2m", paramLabel = "DURATION",
            description = "Abort a full snapshot when etcd sends nothing for this long (default: ${DEFAULT-VALUE}).")
    String snapshotIdleTimeout;

    /** Adds a problem to {@code config} for each bad capture value. */
    void validate(EffectiveConfig config) {
        compression.validate(config);
        config.check("--delta-period", deltaPeriod, Durations::parse);
        config.check("--delta-flush-size", deltaFlushSize, ByteSizes::parse);
        config.check("--delta-memory-limit", deltaMemoryLimit, ByteSizes::parse);
        config.check("--snapshot-idle-timeout", snapshotIdleTimeout, Durations::parse);
    }

    CaptureSettings settings() {
        Codec codec = compression.codec();
        int level = compression.level();
        return new CaptureSettings(
                new FullSnapshotter.Settings(codec, level, Durations.parse(snapshotIdleTimeout)),
                Durations.parse(deltaPeriod),
                new DeltaCapture.Settings(ByteSizes.parse(deltaFlushSize),
                        ByteSizes.parse(deltaMemoryLimit), codec, level));
    }
}
