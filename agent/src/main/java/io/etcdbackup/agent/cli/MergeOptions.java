package io.etcdbackup.agent.cli;

import io.etcdbackup.agent.config.ByteSizes;
import io.etcdbackup.agent.config.Durations;
import io.etcdbackup.agent.config.EffectiveConfig;
import io.etcdbackup.snapshot.merge.MergePolicy;
import picocli.CommandLine.Option;

/** Which delta segments are merged (see the README's "Segment merging"). */
final class MergeOptions {

    @Option(names = "--fan-in", defaultValue = "" + MergePolicy.DEFAULT_FAN_IN, paramLabel = "N",
            description = "Segments of one level merged into one segment of the next level (default: ${DEFAULT-VALUE}).")
    int fanIn;

    @Option(names = "--max-level", defaultValue = "" + MergePolicy.DEFAULT_MAX_LEVEL, paramLabel = "N",
            description = "The highest level a merge produces: a segment of level N holds up to fan-in^N captured segments "
                    + "(default: ${DEFAULT-VALUE}).")
    int maxLevel;

    @Option(names = "--max-segment-bytes", defaultValue = "64MiB", paramLabel = "BYTES",
            description = "The most event bytes (uncompressed) a merged segment holds; a restore holds one segment's events "
                    + "in memory per fetcher (default: ${DEFAULT-VALUE}).")
    String maxSegmentBytes;

    @Option(names = "--min-age", defaultValue = "10m", paramLabel = "DURATION",
            description = "Segments published less than this long ago stay as captured (default: ${DEFAULT-VALUE}).")
    String minAge;

    /** Adds a problem to {@code config} for each bad merge value. */
    void validate(EffectiveConfig config) {
        if (fanIn < 2) {
            config.reject("--fan-in", fanIn, "must be at least 2");
        }
        if (maxLevel < 1) {
            config.reject("--max-level", maxLevel, "must be at least 1");
        }
        config.check("--max-segment-bytes", maxSegmentBytes, text -> {
            if (ByteSizes.parse(text) < 1) {
                throw new IllegalArgumentException("must be positive");
            }
        });
        config.check("--min-age", minAge, Durations::parse);
    }

    MergePolicy policy() {
        return new MergePolicy(fanIn, maxLevel, ByteSizes.parse(maxSegmentBytes), Durations.parse(minAge));
    }
}
