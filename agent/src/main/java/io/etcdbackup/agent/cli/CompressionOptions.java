package io.etcdbackup.agent.cli;

import io.etcdbackup.agent.config.EffectiveConfig;
import io.etcdbackup.snapshot.format.Codec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** How snapshot objects are compressed: captured ones, and merged ones. */
final class CompressionOptions {

    @Option(names = "--compression", defaultValue = "zstd", paramLabel = "CODEC",
            description = "Payload compression: zstd, gzip or none (default: ${DEFAULT-VALUE}).")
    String compression;

    @Option(names = "--compression-level", paramLabel = "N",
            description = "Compression level (zstd 1-19, default 3; gzip 1-9, default 6).")
    Integer compressionLevel;

    @Mixin
    ReferenceCompressionOptions reference;

    /** Adds a problem to {@code config} if the codec is unknown; the reference's flags set {@code --compression} first. */
    void validate(EffectiveConfig config) {
        reference.apply(config);
        config.check("--compression", compression, Codec::fromId);
    }

    Codec codec() {
        return Codec.fromId(compression);
    }

    /** The configured level, or the codec's default. */
    int level() {
        return compressionLevel != null ? compressionLevel : codec().defaultLevel();
    }
}
