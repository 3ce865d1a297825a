package io.etcdbackup.bench;

import static io.etcdbackup.bench.Harness.MIB;

import io.etcd.jetcd.Client;
import io.etcdbackup.etcdprocess.DirectoryTrees;
import io.etcdbackup.etcdprocess.EtcdBinaries;
import io.etcdbackup.etcdprocess.EtcdProcess;
import io.etcdbackup.restore.RestorePlan;
import io.etcdbackup.restore.RestorePlanner;
import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.ObjectStores;
import io.etcdbackup.stores.StoreContext;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Rows 2, 2a, 2b, 2c: the agent's {@code restore} of a full snapshot plus the mode's delta
 * revisions beside etcd's own restore of the final state, its replay rate beside the rate the
 * workload wrote, and the same chain restored after {@code compact}, with the compaction's time.
 */
final class RestoreScenario {

    private final Mode mode;
    private final Harness harness;
    private final Table table;

    RestoreScenario(Mode mode, Harness harness, Table table) {
        this.mode = mode;
        this.harness = harness;
        this.table = table;
    }

    /** Writes the mode's revisions over {@code keys} keys into {@code etcd}, then restores them. */
    void run(Client client, EtcdProcess etcd, int keys) throws Exception {
        Harness.step("2. restore: full + " + mode.restoreRevisions() + " delta revisions with 'restore' vs 'etcdctl snapshot restore' of the final state");
        Path work = harness.work();
        EtcdBinaries binaries = harness.binaries();
        String url = etcd.clientUrl().toString();
        Path storeDir = work.resolve("store-restore");
        String store = "file://" + storeDir;
        harness.agent(List.of("snapshot", "full", "--endpoints", url, "--store", store), Map.of(), "restore-base-full");
        long t = System.nanoTime();
        new Workload(99).putMany(client.getKVClient(), 0, mode.restoreRevisions(), keys);
        double writeSeconds = Harness.secondsSince(t);
        long finalRevision = Workload.revision(client, etcd.clientUrl());
        System.out.printf(Locale.ROOT, "  %d revisions written in %.1f s, revision now %d%n", mode.restoreRevisions(), writeSeconds, finalRevision);
        harness.agent(List.of("snapshot", "delta", "--endpoints", url, "--store", store, "--timeout", "30m"), Map.of(), "restore-delta");
        Path finalSnapshot = work.resolve("final.db");
        harness.etcdTool(binaries.etcdctl(), List.of("--endpoints", url, "snapshot", "save", finalSnapshot.toString()), "etcdctl-save-final");

        ObjectStore objects = ObjectStores.open(store, StoreContext.empty());
        RestorePlan plan = new RestorePlanner(new Catalog(objects)).latest();
        long deltaBytes = plan.deltas().stream().mapToLong(d -> d.size()).sum();

        Child.Result restored = harness.agent(List.of("restore", "--store", store, "--data-dir", work.resolve("restored").toString(),
                "--etcd-bin-dir", binaries.etcd().getParent().toString()), Map.of(), "restore");
        long restoredRevision = Harness.parseLong(restored.stdout(), "revision=");
        if (restoredRevision != finalRevision) {
            throw new IllegalStateException("restore produced revision " + restoredRevision + ", the source is at " + finalRevision);
        }
        DirectoryTrees.delete(work.resolve("restored"));
        // etcd's own restore of the final state: etcdutl on 3.5+, etcdctl on 3.4.
        Path restoreTool = binaries.etcdutl().orElse(binaries.etcdctl());
        String floorName = restoreTool.getFileName() + " snapshot restore of final state";
        Child.Result floor = harness.etcdTool(restoreTool, List.of("snapshot", "restore", finalSnapshot.toString(), "--data-dir",
                work.resolve("floor").toString()), "etcd-restore-final");
        DirectoryTrees.delete(work.resolve("floor"));
        String setup = String.format(Locale.ROOT, "full %.0f MiB (compressed) + %d revisions in %d segments (%.0f MiB)",
                plan.full().size() / (double) MIB, plan.targetRevision() - plan.full().revision(), plan.deltas().size(), deltaBytes / (double) MIB);
        table.add(new Table.Row("2 restore time", setup, restored.seconds(), "s", floorName, floor.seconds(), "s",
                String.format(Locale.ROOT, "restored revision %d = source; final db %.0f MiB; etcd %s; scratch fsyncs %d",
                        restoredRevision, Files.size(finalSnapshot) / (double) MIB, binaries.version(),
                        Harness.parseLong(restored.stdout(), "scratch_wal_fsyncs="))));
        table.add(new Table.Row("2a replay rate", setup, Harness.parseLong(restored.stdout(), "replay_rate_rev_per_s="), "rev/s",
                "rate the workload wrote them (64 puts in flight)", mode.restoreRevisions() / writeSeconds, "rev/s",
                String.format(Locale.ROOT, "etcd %s; one transaction per source revision; %d sent again after overtaking",
                        binaries.version(), Harness.parseLong(restored.stdout(), "replay_resent="))));
        Files.deleteIfExists(finalSnapshot);

        // The same chain after compaction: the latest state is one full snapshot.
        Child.Result compacted = harness.agent(List.of("compact", "--store", store, "--etcd-bin-dir", binaries.etcd().getParent().toString(),
                "--scratch-dir", work.resolve("compact-scratch").toString()), Map.of(), "compact");
        Child.Result after = harness.agent(List.of("restore", "--store", store, "--data-dir", work.resolve("restored").toString(),
                "--etcd-bin-dir", binaries.etcd().getParent().toString()), Map.of(), "restore-after-compaction");
        long afterRevision = Harness.parseLong(after.stdout(), "revision=");
        if (afterRevision != finalRevision) {
            throw new IllegalStateException("restore after compaction produced revision " + afterRevision + ", the source is at " + finalRevision);
        }
        DirectoryTrees.delete(work.resolve("restored"));
        table.add(new Table.Row("2b restore time after compaction", "the chain of 2 folded by 'compact' into one full snapshot",
                after.seconds(), "s", "restore of the same chain before compaction", restored.seconds(), "s",
                String.format(Locale.ROOT, "restored revision %d = source", afterRevision)));
        table.add(new Table.Row("2c compaction time", "compact of the chain of 2 (offline, from the store)", compacted.seconds(), "s",
                "restore of the same chain", restored.seconds(), "s", "compaction replays the chain once, then saves"));
        DirectoryTrees.delete(storeDir);
    }
}
