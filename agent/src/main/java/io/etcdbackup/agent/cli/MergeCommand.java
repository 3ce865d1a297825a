package io.etcdbackup.agent.cli;

import io.etcdbackup.agent.config.EffectiveConfig;
import io.etcdbackup.agent.config.ProcessEnvironment;
import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.snapshot.catalog.CatalogWriter;
import io.etcdbackup.snapshot.merge.MergeRunner;
import io.etcdbackup.stores.ObjectStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.time.Clock;
import java.util.List;
import java.util.concurrent.Callable;

/** Segment merging on demand. */
@Command(name = "merge", mixinStandardHelpOptions = true,
        description = "Merge small delta segments into larger ones, level by level: far fewer objects, every revision kept. "
                + "The segments replaced leave the catalog at once, and the store after retention's grace period (gc, or the "
                + "server's retention).")
final class MergeCommand implements Callable<Integer>, Main.Validated {

    private final ProcessEnvironment env;

    /** @param env who this process is ({@link ProcessEnvironment#writerId}), for the catalog's writer records */
    MergeCommand(ProcessEnvironment env) {
        this.env = env;
    }

    @Mixin
    StoreOptions store;
    @Mixin
    MergeOptions merge;
    @Mixin
    CompressionOptions compression;
    @Spec
    CommandSpec spec;

    @Option(names = "--dry-run", description = "Print the merges the policy would make, level by level; change nothing.")
    boolean dryRun;

    @Override
    public List<String> problems() {
        EffectiveConfig config = new EffectiveConfig(spec);
        store.validate(config);
        merge.validate(config);
        compression.validate(config);
        return config.problems();
    }

    @Override
    public Integer call() throws Exception {
        try (ObjectStore objects = store.open()) {
            Catalog catalog = new Catalog(objects, new CatalogWriter(objects, env.writerId(), Clock.systemUTC())).withEncryption(store.encryption());
            MergeRunner runner = new MergeRunner(catalog, merge.policy(), compression.codec(), compression.level(),
                    Clock.systemUTC());
            if (dryRun) {
                List<MergeRunner.PlannedMerge> plan = runner.preview();
                int replaced = plan.stream().mapToInt(MergeRunner.PlannedMerge::segments).sum() - plan.size();
                System.out.println("dry run: would make " + plan.size() + " merges; about " + replaced
                        + " fewer delta segments (merged segments hold at most " + merge.maxSegmentBytes
                        + " of events, so some runs may merge only in part)");
                plan.forEach(p -> System.out.println("  would merge " + p.segments() + " segments of generation " + p.generation()
                        + ", revisions " + p.firstRevision() + ".." + p.lastRevision() + " (" + p.storedBytes() + " bytes) into level "
                        + p.level()));
                return 0;
            }
            MergeRunner.Result result = runner.run();
            System.out.println("merge: " + result.merges() + " merged segments replace " + result.segmentsReplaced()
                    + " segments; delta segments " + result.segmentsBefore() + " before, " + result.segmentsAfter() + " after; "
                    + result.bytesWritten() + " bytes written; " + result.runsSkipped() + " runs skipped"
                    + (result.segmentsReplaced() > 0 ? "; the replaced segments are deleted by retention after its grace period" : ""));
            return 0;
        }
    }
}
