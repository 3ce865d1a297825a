package io.etcdbackup.agent.cli;

import io.etcdbackup.agent.config.EffectiveConfig;
import io.etcdbackup.agent.restore.BackupSources;
import io.etcdbackup.agent.config.ProcessEnvironment;
import io.etcdbackup.restore.CatalogVerifier;
import io.etcdbackup.restore.Restorer;
import io.etcdbackup.restore.drill.DrillResult;
import io.etcdbackup.restore.drill.RestoreDrill;
import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.snapshot.catalog.CatalogRebuild;
import io.etcdbackup.snapshot.catalog.CatalogWriter;
import io.etcdbackup.etcdprocess.DirectoryTrees;
import io.etcdbackup.stores.ObjectStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;

/** Maintenance of the catalog index, and proof that the backups restore. */
@Command(name = "catalog", mixinStandardHelpOptions = true, description = "Rebuild or verify the catalog.",
        subcommands = {CatalogCommand.Rebuild.class, CatalogCommand.Verify.class})
final class CatalogCommand {

    @Command(name = "rebuild", mixinStandardHelpOptions = true,
            description = "Recreate the catalog index from the objects' headers (takes over the catalog with a new epoch).")
    static final class Rebuild implements Callable<Integer>, Main.Validated {

        private final ProcessEnvironment env;

        /** @param env who this process is ({@link ProcessEnvironment#writerId}), for the catalog's writer records */
        Rebuild(ProcessEnvironment env) {
            this.env = env;
        }
        @Mixin
        StoreOptions store;
        @Spec
        CommandSpec spec;

        @Override
        public List<String> problems() {
            EffectiveConfig config = new EffectiveConfig(spec);
            store.validate(config);
            return config.problems();
        }

        @Override
        public Integer call() throws Exception {
            try (ObjectStore objects = store.open()) {
                CatalogRebuild.Result result = CatalogRebuild.rebuildFromHeaders(objects,
                        new CatalogWriter(objects, env.writerId(), Clock.systemUTC()), Clock.systemUTC().instant());
                System.out.println("catalog version " + result.version() + ": " + result.indexed() + " objects indexed, "
                        + result.skipped().size() + " skipped");
                result.skipped().forEach((key, why) -> System.out.println("  skipped " + key + ": " + why));
                return 0;
            }
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = {"Re-read and check every object (or a sample) and report the newest verifiably restorable revision.",
                    "With --restore, also run a restore drill: restore the latest chain into a scratch etcd member on loopback, "
                            + "bring it to the live cluster's compaction point and compare etcd's own HashKV of both at the "
                            + "restored revision (needs --endpoints, and etcd's binaries: --etcd-bin-dir or the PATH).",
                    "Exit codes: 0 every object checked out (and the drill passed); 1 an object failed, or the drill found a "
                            + "mismatch or failed; 3 the drill was inconclusive (the reason is printed); 2 bad usage."})
    static final class Verify implements Callable<Integer>, Main.Validated {
        /** Exit code of a drill that could not compare the hashes. */
        static final int INCONCLUSIVE = 3;

        @Mixin
        StoreOptions store;

        @Option(names = "--sample", defaultValue = "1.0", paramLabel = "FRACTION",
                description = "Fraction of objects to read, in (0, 1]; the newest full snapshot of each generation is always read "
                        + "(default: ${DEFAULT-VALUE}).")
        double sample;

        @Option(names = "--latest-only", description = "Only the newest generation.")
        boolean latestOnly;

        @Option(names = "--restore",
                description = "Also prove that the latest chain restores: etcd's HashKV of the restored chain must equal the live "
                        + "cluster's (--endpoints) at the same revision and compaction point.")
        boolean drill;

        @Mixin
        EtcdOptions etcd;

        @Mixin
        RestoreOptions restore;

        @Spec
        CommandSpec spec;

        @Override
        public List<String> problems() {
            EffectiveConfig config = new EffectiveConfig(spec);
            store.validate(config);
            if (drill) {
                etcd.validate(config);
                restore.validate(config);
            }
            return config.problems();
        }

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            try (ObjectStore objects = store.open()) {
                var generations = new Catalog(objects).generations();
                if (latestOnly && !generations.isEmpty()) {
                    generations = List.of(generations.get(generations.size() - 1));
                }
                int failed = 0;
                for (CatalogVerifier.Report report : new CatalogVerifier(objects, store.encryption()).verify(generations, sample, new Random())) {
                    out.println("generation " + report.generation() + ": " + report.checked() + " checked, "
                            + report.skipped() + " not sampled, " + report.failures().size() + " failed; newest verifiably restorable revision: "
                            + (report.newestRestorableRevision().isPresent() ? report.newestRestorableRevision().getAsLong() : "none"));
                    for (Map.Entry<String, String> failure : report.failures().entrySet()) {
                        out.println("  FAILED " + failure.getKey() + ": " + failure.getValue());
                    }
                    failed += report.failures().size();
                }
                out.flush();
                if (!drill) {
                    return failed == 0 ? 0 : 1;
                }
                // A mismatch or a failure propagates: exit code 1 with the one-line error naming both hashes.
                DrillResult result = drill(objects);
                out.println("restore drill: " + result.describe());
                out.flush();
                if (failed > 0) {
                    return 1;
                }
                return result.verdict() == DrillResult.Verdict.PASSED ? 0 : INCONCLUSIVE;
            }
        }

        private DrillResult drill(ObjectStore objects) throws IOException {
            Restorer.Settings settings = restore.settings();
            Path scratch = settings.scratchRoot() != null ? settings.scratchRoot() : Files.createTempDirectory("eba-drill");
            try {
                return new RestoreDrill(objects, BackupSources.planner(objects, store.encryption()), etcd.clients(),
                        new RestoreDrill.Settings(settings, scratch)).run();
            } finally {
                if (settings.scratchRoot() == null) {
                    DirectoryTrees.delete(scratch);
                }
            }
        }
    }
}
