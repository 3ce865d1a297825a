package io.etcdbackup.agent.cli;

import io.etcdbackup.restore.RestoreEstimate;
import io.etcdbackup.restore.RestorePoint;

import io.etcdbackup.agent.config.EffectiveConfig;
import io.etcdbackup.agent.restore.BackupSources;
import io.etcdbackup.restore.RestorePlan;
import io.etcdbackup.restore.RestorePlanner;
import io.etcdbackup.restore.RestoreTarget;
import io.etcdbackup.restore.Restorer;
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
        description = "Build an etcd data directory from the latest state in the store, or from any retained revision "
                + "(--revision) or time (--time). Works in <data-dir>.part and swaps it in at the end: a failed restore "
                + "leaves the old directory. --dry-run prints the plan and touches nothing.")
final class RestoreCommand implements Callable<Integer>, Main.Validated {

    @Mixin
    StoreOptions store;

    @Option(names = "--data-dir", required = true, paramLabel = "DIR", description = "The data directory to produce.")
    Path dataDir;

    @Option(names = "--replace-existing", description = "Replace a non-empty data directory (only after a successful restore).")
    boolean replaceExisting;

    @Mixin
    RestoreOptions restore;

    @Mixin
    RestorePointOptions point;

    @Option(names = "--bump-revision", paramLabel = "N",
            description = "Raise the restored revision by N (etcdutl 3.5.8+), so that clients' cached revisions, such as "
                    + "Kubernetes resourceVersions, stay behind the restored cluster's. Pick N above the writes lost since the "
                    + "backup, e.g. 1000000000.")
    String bumpRevision;

    @Option(names = "--mark-compacted", description = "With --bump-revision: mark the revisions up to the bumped one compacted, "
            + "so that every watcher from before the restore must re-list (Kubernetes informers do).")
    boolean markCompacted;

    @Option(names = "--dry-run", description = "Print the plan (generation, objects, bytes, revisions, estimated time) and exit.")
    boolean dryRun;

    @Spec
    CommandSpec spec;

    @Override
    public List<String> problems() {
        EffectiveConfig config = new EffectiveConfig(spec);
        store.validate(config);
        restore.validate(config);
        point.validate(config);
        config.check("--bump-revision", bumpRevision, RestorePoint::parseRevision);
        if (markCompacted && bumpRevision == null) {
            config.reject("--mark-compacted", true, "needs --bump-revision (etcd marks the bumped revisions compacted)");
        }
        return config.problems();
    }

    @Override
    public Integer call() throws Exception {
        RestorePoint point = this.point.point();
        try (ObjectStore objects = store.open()) {
            RestorePlanner planner = BackupSources.planner(objects, store.encryption());
            if (dryRun) {
                printPlan(point, planner.plan(point));
                return 0;
            }
            Restorer.Settings settings = restore.settings();
            RestoreTarget target = restore.target(dataDir, replaceExisting)
                    .withBump(bumpRevision == null ? 0 : RestorePoint.parseRevision(bumpRevision), markCompacted);
            Restorer.Result result = new Restorer(objects, settings).restore(planner, point, target);
            long bump = target.bumpRevision();
            System.out.println("restored " + result.dataDir() + " revision=" + result.revision()
                    + (bump > 0 ? " backup_revision=" + (result.revision() - bump) : "")
                    + (target.markCompacted() ? " compacted_up_to=" + result.revision() : "")
                    + " objects=" + result.objects()
                    + " bytes=" + result.bytes() + " took=" + result.took().toMillis() + "ms"
                    + (result.replay().revisions() > 0 ? " replayed_revisions=" + result.replay().revisions()
                    + " replay_ms=" + result.replay().took().toMillis()
                    + " replay_rate_rev_per_s=" + Math.round(result.replay().revisionsPerSecond())
                    + " replay_resent=" + result.replay().resent()
                    + " scratch_wal_fsyncs=" + result.replay().scratchWalFsyncs() : ""));
            return 0;
        }
    }

    private void printPlan(RestorePoint point, RestorePlan plan) {
        System.out.println("restore plan for " + point + " into " + dataDir + " (dry run: nothing changed)");
        System.out.println("  generation:      " + plan.generation());
        System.out.println("  base:            " + plan.full().key() + " (revision " + plan.full().revision() + ", "
                + plan.full().size() + " bytes, taken " + plan.full().createdAt() + ")");
        System.out.println("  delta segments:  " + plan.deltas().size() + (plan.deltas().isEmpty() ? ""
                : " (" + plan.deltas().get(0).key() + " .. " + plan.deltas().get(plan.deltas().size() - 1).key() + ")"));
        System.out.println("  objects:         " + plan.objectCount() + ", " + plan.totalBytes() + " bytes");
        System.out.println("  revisions:       " + plan.full().revision() + ".." + plan.targetRevision()
                + " (" + RestoreEstimate.revisionsToReplay(plan) + " to replay)");
        System.out.println("  target revision: " + plan.targetRevision() + (plan.exact() ? " (exact)" : ""));
        System.out.println("  estimated time:  " + RestoreEstimate.DEFAULT.of(plan).toSeconds() + " s");
    }
}
