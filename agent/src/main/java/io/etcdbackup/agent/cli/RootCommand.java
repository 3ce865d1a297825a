package io.etcdbackup.agent.cli;

import picocli.CommandLine.Command;

/** {@code etcd-backup-agent}: the command line. */
@Command(name = "etcd-backup-agent", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Keeps etcd recoverable: full and delta snapshots into object stores, and restore.",
        subcommands = {SnapshotCommand.class, ServerCommand.class, RestoreCommand.class, ListCommand.class, CatalogCommand.class, GcCommand.class})
final class RootCommand {
}
