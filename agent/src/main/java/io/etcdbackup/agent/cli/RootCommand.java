package io.etcdbackup.agent.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

import java.nio.file.Path;

/** {@code etcd-backup-agent}: the command line. */
@Command(name = "etcd-backup-agent", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Keeps etcd recoverable: full and delta snapshots into object stores, and restore.",
        subcommands = {SnapshotCommand.class, ServerCommand.class, RestoreCommand.class, InitializeCommand.class, ListCommand.class, CatalogCommand.class, GcCommand.class,
                CompactCommand.class, MergeCommand.class, KeyCommand.class, CopyCommand.class, KeysCommand.class,
                HistoryCommand.class})
final class RootCommand {

    // Main reads it from the raw arguments before parsing (the defaults depend on it); declared here
    // so that every command accepts it and documents it.
    @Option(names = "--config", paramLabel = "FILE", scope = ScopeType.INHERIT,
            description = "YAML file of option values (keys are option names without dashes, ${VAR} expanded); "
                    + "precedence: defaults < file < EBA_* environment variables < flags.")
    Path config;
}
