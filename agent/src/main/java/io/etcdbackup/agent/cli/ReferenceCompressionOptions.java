package io.etcdbackup.agent.cli;

import io.etcdbackup.agent.config.EffectiveConfig;
import io.etcdbackup.snapshot.format.Codec;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.Locale;

/**
 * The reference's compression flags: {@code --compress-snapshots} and {@code --compression-policy}
 * set {@code --compression}. gzip writes gzip. lzw and zlib, which this agent does not write, write
 * gzip as well (the same DEFLATE family as zlib, and what the reference writes by default); the
 * objects are this agent's own format either way, so no reader depends on the codec.
 */
final class ReferenceCompressionOptions {

    private static final List<String> POLICIES = List.of("gzip", "lzw", "zlib");

    @Option(names = "--compress-snapshots", hidden = true, paramLabel = "BOOLEAN", arity = "0..1", fallbackValue = "true",
            description = "The reference's form of --compression: false is none; true (the reference's default) is "
                    + "--compression-policy's codec.")
    Boolean compress;

    @Option(names = "--compression-policy", hidden = true, paramLabel = "gzip|lzw|zlib",
            description = "The reference's form of --compression: gzip writes gzip; lzw and zlib, which this agent does not "
                    + "write, write gzip too.")
    String policy;

    private boolean logged;

    /** Applies these flags to {@code --compression}. */
    void apply(EffectiveConfig checks) {
        ReferenceFlags flags = new ReferenceFlags(checks, !logged);
        logged = true;
        if (policy != null && !POLICIES.contains(policy)) {
            checks.reject("--compression-policy", policy, "not a compression policy of the reference; use gzip, lzw or zlib");
            return;
        }
        if (Boolean.FALSE.equals(compress)) {
            flags.map("--compress-snapshots", "false", v -> Codec.NONE, "--compression", ReferenceCompressionOptions::codec, Codec::id);
            flags.ignored("--compression-policy", policy, "--compress-snapshots=false: nothing is compressed");
            return;
        }
        if (policy != null) {
            flags.map("--compression-policy", policy, v -> Codec.GZIP, "--compression", ReferenceCompressionOptions::codec, Codec::id);
            if (!policy.equals("gzip")) {
                flags.applied("--compression-policy", policy, "written as gzip: this agent does not write " + policy);
            }
        } else if (compress != null) {
            flags.map("--compress-snapshots", "true", v -> Codec.GZIP, "--compression", ReferenceCompressionOptions::codec, Codec::id);
        }
    }

    private static Codec codec(Object value) {
        return Codec.fromId(String.valueOf(value).toLowerCase(Locale.ROOT));
    }
}
