package io.etcdbackup.agent.cli;

import io.etcdbackup.agent.config.Durations;
import io.etcdbackup.agent.config.EffectiveConfig;
import io.etcdbackup.agent.config.ProcessEnvironment;
import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.snapshot.catalog.CatalogWriter;
import io.etcdbackup.snapshot.copy.BackupCopier;
import io.etcdbackup.snapshot.copy.FinalSnapshot;
import io.etcdbackup.snapshot.crypto.EncryptionKeySet;
import io.etcdbackup.snapshot.format.ObjectEncryption;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.StoreUrl;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/** Backups copied from one store to another. */
@Command(name = "copy", mixinStandardHelpOptions = true,
        description = {"Copy backups from --source-store to --store (any provider to any): the newest full snapshots with the delta "
                + "segments after them, each object checked end to end in the source and again in the target, indexed in the "
                + "target's catalog only once complete (a copy stopped at any point leaves a restorable target). A rerun copies only "
                + "what is missing.",
                "Encryption: objects are read with --source-encryption-key-file and written with --encryption-key-file (either may "
                        + "be absent). The source store's credentials: the provider's variables prefixed with SOURCE_ (e.g. "
                        + "SOURCE_AWS_APPLICATION_CREDENTIALS) take precedence over the unprefixed ones."})
final class CopyCommand implements Callable<Integer>, Main.Validated {

    static final String SOURCE_PREFIX = "SOURCE_";

    private final ProcessEnvironment env;

    /** @param env the credentials' locations of both stores, and who writes the target's catalog */
    CopyCommand(ProcessEnvironment env) {
        this.env = env;
    }

    @Option(names = "--source-store", paramLabel = "STORE_URL",
            description = "Where the backups are copied from. Required, unless the reference's --source-storage-provider form names it.")
    String sourceStore;

    @Mixin
    ReferenceSourceStoreOptions referenceSource;

    @Option(names = "--source-encryption-key-file", paramLabel = "FILE",
            description = "The key set the source's encrypted objects are read with.")
    Path sourceKeys;

    @Mixin
    StoreOptions store;

    @Option(names = "--max-backups-to-copy", defaultValue = "-1", paramLabel = "N",
            description = "Copy the newest N full snapshots (each with the segments after it); negative for all (default: ${DEFAULT-VALUE}).")
    int maxBackups;

    @Option(names = "--max-backup-age", defaultValue = "-1", paramLabel = "DAYS",
            description = "Only full snapshots taken within this many days; negative for any age (default: ${DEFAULT-VALUE}).")
    int maxAgeDays;

    @Option(names = "--max-parallel-copy-operations", defaultValue = "10", paramLabel = "N",
            description = "Objects copied at the same time (default: ${DEFAULT-VALUE}).")
    int parallelism;

    @Option(names = "--wait-for-final-snapshot", arity = "0..1", defaultValue = "false", fallbackValue = "true", paramLabel = "BOOL",
            description = "First wait until the source's backups end with a full snapshot that holds every revision of its segments, as "
                    + "the source's sidecar leaves them when it stops with --final-full-snapshot (default: ${DEFAULT-VALUE}).")
    boolean waitForFinalSnapshot;

    @Option(names = "--wait-for-final-snapshot-timeout", defaultValue = "0s", paramLabel = "DURATION",
            description = "Give up waiting for the final full snapshot after this long (exit 1, nothing copied); 0s waits as long as "
                    + "it takes (default: ${DEFAULT-VALUE}).")
    String waitTimeout;

    @Spec
    CommandSpec spec;

    /** The source's key set as {@link #problems()} read it. */
    private ObjectEncryption sourceEncryption = ObjectEncryption.NONE;

    @Override
    public List<String> problems() {
        EffectiveConfig config = new EffectiveConfig(spec);
        store.validate(config);
        if (!referenceSource.apply(config, env) && sourceStore == null) {
            config.reject("--source-store", "", "required: the URL of the store to copy from (or the reference's "
                    + "--source-storage-provider with --source-store-prefix and SOURCE_STORAGE_CONTAINER)");
        }
        config.check("--source-store", sourceStore, StoreUrl::parse);
        sourceEncryption = config.parse("--source-encryption-key-file", sourceKeys == null ? null : sourceKeys.toString(),
                f -> (ObjectEncryption) EncryptionKeySet.load(Path.of(f))).orElse(ObjectEncryption.NONE);
        config.check("--wait-for-final-snapshot-timeout", waitTimeout, Durations::parse);
        if (parallelism < 1) {
            config.reject("--max-parallel-copy-operations", parallelism, "must be at least 1");
        }
        if (sourceStore != null && sourceStore.equals(store.store)) {
            config.reject("--source-store", sourceStore, "is the same store as --store");
        }
        return config.problems();
    }

    @Override
    public Integer call() throws Exception {
        try (ObjectStore from = StoreOptions.open(sourceStore, env.storeContext(SOURCE_PREFIX)); ObjectStore to = store.open()) {
            Catalog source = new Catalog(from).withEncryption(sourceEncryption);
            Catalog target = new Catalog(to, new CatalogWriter(to, env.writerId(), Clock.systemUTC())).withEncryption(store.encryption());
            if (waitForFinalSnapshot && !awaitFinalSnapshot(source, Durations.parse(waitTimeout))) {
                spec.commandLine().getErr().println("error: no final full snapshot in " + from.location() + " within " + waitTimeout
                        + "; nothing was copied");
                spec.commandLine().getErr().flush();
                return 1;
            }
            BackupCopier.Selection selection = new BackupCopier.Selection(maxBackups < 0 ? Optional.empty() : Optional.of(maxBackups),
                    maxAgeDays < 0 ? Optional.empty() : Optional.of(Duration.ofDays(maxAgeDays)));
            BackupCopier.Result result = new BackupCopier(source, target, parallelism, Clock.systemUTC()).copy(selection);
            PrintWriter out = spec.commandLine().getOut();
            out.println("copied objects=" + result.copied() + " already_there=" + result.alreadyThere() + " bytes=" + result.bytesWritten()
                    + " generations=" + result.generations() + " source=" + from.location() + " target=" + to.location());
            out.flush();
            return 0;
        }
    }

    /** Asks the source every 5 s until its backups end with a final full snapshot; false when {@code timeout} (not zero) passed first. */
    private static boolean awaitFinalSnapshot(Catalog source, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!FinalSnapshot.isTaken(source.generations())) {
            if (!timeout.isZero() && System.nanoTime() - deadline >= 0) {
                return false;
            }
            Thread.sleep(FINAL_SNAPSHOT_POLL.toMillis());
        }
        return true;
    }

    private static final Duration FINAL_SNAPSHOT_POLL = Duration.ofSeconds(5);
}
