package io.etcdbackup.agent.cli;

import io.etcdbackup.agent.config.EffectiveConfig;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import java.util.List;

import io.etcdbackup.agent.config.ProcessEnvironment;
import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.snapshot.catalog.CatalogWriter;
import io.etcdbackup.snapshot.retention.RetentionDecision;
import io.etcdbackup.snapshot.retention.RetentionRunner;
import io.etcdbackup.stores.ObjectStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.time.Clock;
import java.util.concurrent.Callable;

/** Retention on demand. */
@Command(name = "gc", mixinStandardHelpOptions = true,
        description = "Apply the retention policy now: take expired backups out of the catalog, and delete objects whose grace "
                + "period has passed.")
final class GcCommand implements Callable<Integer>, Main.Validated {

    private final ProcessEnvironment env;

    /** @param env who this process is ({@link ProcessEnvironment#writerId}), for the catalog's writer records */
    GcCommand(ProcessEnvironment env) {
        this.env = env;
    }

    @Mixin
    StoreOptions store;
    @Mixin
    RetentionOptions retention;
    @Spec
    CommandSpec spec;

    @Override
    public List<String> problems() {
        EffectiveConfig config = new EffectiveConfig(spec);
        store.validate(config);
        retention.validate(config);
        return config.problems();
    }

    @Option(names = "--dry-run", description = "Print what would be deleted; change nothing.")
    boolean dryRun;

    @Option(names = "--orphans", description = "Also collect objects no catalog version indexes (lists the whole store).")
    boolean orphans;

    @Override
    public Integer call() throws Exception {
        try (ObjectStore objects = store.open()) {
            Catalog catalog = new Catalog(objects, new CatalogWriter(objects, env.writerId(), Clock.systemUTC()));
            RetentionRunner runner = new RetentionRunner(catalog, retention.policy(), retention.grace(), Clock.systemUTC());
            if (dryRun) {
                RetentionDecision decision = runner.preview();
                System.out.println("dry run: would keep " + decision.keptFulls().size() + " full snapshots and "
                        + decision.keptDeltas().size() + " delta segments, delete " + decision.deletions().size() + " objects ("
                        + decision.deletedBytes() + " bytes)");
                decision.deletions().forEach(d -> System.out.println("  would delete " + d.key() + ": " + d.reason()));
                return 0;
            }
            RetentionRunner.Result result = runner.run(orphans);
            System.out.println("retention: " + result.decision().deletions().size() + " objects taken out of the catalog, "
                    + result.orphans().size() + " orphans, " + result.deletedObjects().size() + " deleted from the store, "
                    + result.awaitingGrace() + " awaiting their grace period, " + result.lockedObjects()
                    + " locked by the store (deleted once their lock expires)");
            return 0;
        }
    }
}
