package io.etcdbackup.agent.cli;

import io.etcdbackup.agent.config.EffectiveConfig;
import io.etcdbackup.stores.ObjectStore;
import picocli.CommandLine.Option;

import java.util.Optional;

/** Whom a data directory belongs to (the safeguard file), shared by {@code initialize} and {@code server}. */
final class SafeguardOption {

    @Option(names = "--safeguard-id", paramLabel = "ID",
            description = "Whom the data dir belongs to, written into <data-dir>/etcd-backup-agent.safeguard; a data dir claimed "
                    + "by another id is refused (default: the store URL's location, e.g. s3://bucket/prefix). Give the init "
                    + "container and the server the same value.")
    String safeguardId;

    void validate(EffectiveConfig config) {
        if (safeguardId != null && (safeguardId.isBlank() || safeguardId.contains("\n"))) {
            config.reject("--safeguard-id", safeguardId, "must be one non-blank line");
        }
    }

    /** The identity to write and compare: the option, else the store's location. */
    String identity(ObjectStore store) {
        return id().orElseGet(store::location);
    }

    /** The option's identity; empty when the store's location stands in for it. */
    Optional<String> id() {
        return Optional.ofNullable(safeguardId).map(String::strip);
    }
}
