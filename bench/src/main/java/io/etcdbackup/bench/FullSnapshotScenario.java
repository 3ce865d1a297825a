package io.etcdbackup.bench;

import static io.etcdbackup.bench.Harness.MB;
import static io.etcdbackup.bench.Harness.MIB;

import io.etcdbackup.etcdprocess.DirectoryTrees;
import io.etcdbackup.etcdprocess.EtcdProcess;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Rows 1: full snapshot throughput of the agent's {@code snapshot full} to file:// and to s3://
 * (S3Proxy) beside {@code etcdctl snapshot save}, the median of the mode's repetitions.
 */
final class FullSnapshotScenario {

    /** What the full snapshot runs leave for later steps. */
    record Runs(Path fileStore, Instant fileStoreFinished, long etcdctlPeakRss, long dbBytes) {
    }

    private final Mode mode;
    private final Harness harness;
    private final Table table;

    FullSnapshotScenario(Mode mode, Harness harness, Table table) {
        this.mode = mode;
        this.harness = harness;
        this.table = table;
    }

    /** Measures against {@code etcd}; leaves etcdctl's last snapshot in {@code snapshotFile}. */
    Runs run(EtcdProcess etcd, Path snapshotFile) throws Exception {
        Harness.step("1. full snapshot throughput: agent 'snapshot full' (file://, s3://) vs 'etcdctl snapshot save', " + mode.reps() + " runs each");
        Path work = harness.work();
        String url = etcd.clientUrl().toString();
        List<Double> ctl = new ArrayList<>();
        List<Double> toFile = new ArrayList<>();
        List<Double> toS3 = new ArrayList<>();
        List<Long> ctlRss = new ArrayList<>();
        List<Long> agentRss = new ArrayList<>();
        long compressedFile = 0;
        Path lastStore = null;
        Instant lastFinished = null;
        long dbBytes = 0;
        try (S3Server s3 = S3Server.start(Files.createDirectories(work.resolve("s3")))) {
            for (int rep = 0; rep < mode.reps(); rep++) {
                Files.deleteIfExists(snapshotFile);
                Child.Result c = harness.etcdTool(harness.binaries().etcdctl(), List.of("--endpoints", url, "snapshot", "save", snapshotFile.toString()),
                        "etcdctl-save-" + rep);
                dbBytes = Files.size(snapshotFile);
                ctl.add(c.seconds());
                ctlRss.add(c.peakRssBytes());

                if (lastStore != null) {
                    DirectoryTrees.delete(lastStore);
                }
                Path store = work.resolve("store-full-" + rep);
                Child.Result f = harness.agent(List.of("snapshot", "full", "--endpoints", url, "--store", "file://" + store), Map.of(),
                        "snapshot-full-file-" + rep);
                lastFinished = Instant.now();
                lastStore = store;
                toFile.add(f.seconds());
                agentRss.add(f.peakRssBytes());
                compressedFile = Harness.parseLong(f.stdout(), "bytes=");

                Child.Result s = harness.agent(List.of("snapshot", "full", "--endpoints", url, "--store", s3.storeUrl("full-" + rep)),
                        S3Server.env(), "snapshot-full-s3-" + rep);
                toS3.add(s.seconds());
                DirectoryTrees.delete(work.resolve("s3/" + S3Server.BUCKET + "/full-" + rep));
                System.out.printf(Locale.ROOT, "  run %d: etcdctl %.2f s, agent file %.2f s, agent s3 %.2f s%n", rep + 1, c.seconds(), f.seconds(), s.seconds());
            }
        }
        double base = dbBytes / MB / Stats.median(ctl);
        String setup = String.format(Locale.ROOT, "%.0f MiB db, zstd-3, median of %d", dbBytes / (double) MIB, mode.reps());
        String note = "wall time of the CLI incl. JVM start";
        table.add(new Table.Row("1 full snapshot -> file://", setup, dbBytes / MB / Stats.median(toFile), "MB/s", "etcdctl snapshot save", base, "MB/s",
                note + String.format(Locale.ROOT, "; object %.0f MiB", compressedFile / (double) MIB)));
        table.add(new Table.Row("1 full snapshot -> s3:// (S3Proxy)", setup, dbBytes / MB / Stats.median(toS3), "MB/s", "etcdctl snapshot save", base,
                "MB/s", note + "; S3Proxy in the bench JVM shares the 2 cores"));
        return new Runs(lastStore, lastFinished, Stats.max(ctlRss), dbBytes);
    }
}
