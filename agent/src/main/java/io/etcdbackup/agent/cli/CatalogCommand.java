package io.etcdbackup.agent.cli;

import io.etcdbackup.agent.config.ProcessEnvironment;
import io.etcdbackup.restore.CatalogVerifier;
import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.snapshot.catalog.CatalogRebuild;
import io.etcdbackup.snapshot.catalog.CatalogWriter;
import io.etcdbackup.stores.ObjectStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;

/** Maintenance of the catalog index. */
@Command(name = "catalog", mixinStandardHelpOptions = true, description = "Rebuild or verify the catalog.",
        subcommands = {CatalogCommand.Rebuild.class, CatalogCommand.Verify.class})
final class CatalogCommand {

    @Command(name = "rebuild", mixinStandardHelpOptions = true,
            description = "Recreate the catalog index from the objects' headers (takes over the catalog with a new epoch).")
    static final class Rebuild implements Callable<Integer> {
        @Mixin
        StoreOptions store;

        @Override
        public Integer call() throws Exception {
            try (ObjectStore objects = store.open()) {
                CatalogRebuild.Result result = CatalogRebuild.rebuildFromHeaders(objects,
                        new CatalogWriter(objects, ProcessEnvironment.writerId(), Clock.systemUTC()), Clock.systemUTC().instant());
                System.out.println("catalog version " + result.version() + ": " + result.indexed() + " objects indexed, "
                        + result.skipped().size() + " skipped");
                result.skipped().forEach((key, why) -> System.out.println("  skipped " + key + ": " + why));
                return 0;
            }
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = "Re-read and check every object (or a sample) and report the newest verifiably restorable revision. "
                    + "Exit code 1 when an object fails.")
    static final class Verify implements Callable<Integer> {
        @Mixin
        StoreOptions store;

        @Option(names = "--sample", defaultValue = "1.0", paramLabel = "FRACTION",
                description = "Fraction of objects to read, in (0, 1]; the newest full snapshot of each generation is always read "
                        + "(default: ${DEFAULT-VALUE}).")
        double sample;

        @Option(names = "--latest-only", description = "Only the newest generation.")
        boolean latestOnly;

        @Override
        public Integer call() throws Exception {
            try (ObjectStore objects = store.open()) {
                var generations = new Catalog(objects).generations();
                if (latestOnly && !generations.isEmpty()) {
                    generations = List.of(generations.get(generations.size() - 1));
                }
                int failed = 0;
                for (CatalogVerifier.Report report : new CatalogVerifier(objects).verify(generations, sample, new Random())) {
                    System.out.println("generation " + report.generation() + ": " + report.checked() + " checked, "
                            + report.skipped() + " not sampled, " + report.failures().size() + " failed; newest verifiably restorable revision: "
                            + (report.newestRestorableRevision().isPresent() ? report.newestRestorableRevision().getAsLong() : "none"));
                    for (Map.Entry<String, String> failure : report.failures().entrySet()) {
                        System.out.println("  FAILED " + failure.getKey() + ": " + failure.getValue());
                    }
                    failed += report.failures().size();
                }
                return failed == 0 ? 0 : 1;
            }
        }
    }
}
