package io.etcdbackup.agent.cli;

import io.etcdbackup.agent.config.EffectiveConfig;
import io.etcdbackup.restore.RestorePlan;
import io.etcdbackup.restore.RestorePlanner;
import io.etcdbackup.restore.RestoreTarget;
import io.etcdbackup.restore.Restorer;
import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.stores.ObjectStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** Restore a data directory from the store. */
@Command(name = "restore", mixinStandardHelpOptions = true,
        description = "Build an etcd data directory from the latest full snapshot and its deltas. "
                + "Works in <data-dir>.part and swaps it in at the end: a failed restore leaves the old directory.")
final class RestoreCommand implements Callable<Integer>, Main.Validated {

    @Mixin
    StoreOptions store;

    @Option(names = "--data-dir", required = true, paramLabel = "DIR", description = "The data directory to produce.")
    Path dataDir;

    @Option(names = "--replace-existing", description = "Replace a non-empty data directory (only after a successful restore).")
    boolean replaceExisting;

    @Mixin
    RestoreOptions restore;

    @Spec
    CommandSpec spec;

    @Override
    public List<String> problems() {
        EffectiveConfig config = new EffectiveConfig(spec);
        restore.check(config);
        return config.problems();
    }

    @Override
    public Integer call() throws Exception {
        Restorer.Settings settings = restore.settings();
        RestoreTarget target = restore.target(dataDir, replaceExisting);
        try (ObjectStore objects = store.open()) {
            RestorePlan plan = new RestorePlanner(new Catalog(objects)).latest();
            Restorer.Result result = new Restorer(objects, settings).restore(plan, target);
            System.out.println("restored " + result.dataDir() + " revision=" + result.revision() + " objects=" + result.objects()
                    + " bytes=" + result.bytes() + " took=" + result.took().toMillis() + "ms");
            return 0;
        }
    }
}
