package io.etcdbackup.agent.cli;

import io.etcdbackup.agent.config.EffectiveConfig;
import io.etcdbackup.restore.init.ValidationMode;
import picocli.CommandLine.Option;

import java.util.Locale;

/** The reference's {@code initialize} flag {@code --validation-mode}: our {@code --mode}. */
final class ReferenceInitializeOptions {

    @Option(names = "--validation-mode", hidden = true, paramLabel = "full|sanity", description = "The reference's --mode.")
    String validationMode;

    private boolean logged;

    /** Applies {@code --validation-mode} to {@code --mode}. */
    void apply(EffectiveConfig checks) {
        ReferenceFlags flags = new ReferenceFlags(checks, !logged);
        logged = true;
        flags.map("--validation-mode", validationMode, ReferenceInitializeOptions::mode, "--mode", v -> mode(String.valueOf(v)),
                m -> m);
    }

    private static String mode(String text) {
        ValidationMode.parse(text);
        return text.strip().toLowerCase(Locale.ROOT);
    }
}
