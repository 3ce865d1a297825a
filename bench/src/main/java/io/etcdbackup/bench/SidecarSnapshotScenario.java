package io.etcdbackup.bench;

import static io.etcdbackup.bench.Harness.MB;
import static io.etcdbackup.bench.Harness.MIB;

import io.etcdbackup.bench.SidecarServer.Run;
import io.etcdbackup.etcdprocess.EtcdProcess;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.ToDoubleFunction;

/**
 * Rows 1s: a full snapshot taken by the running sidecar ({@code POST /snapshot/full} on
 * {@code server}, no JVM start in the figure) into file:// and into s3:// (S3Proxy), beside
 * {@code etcdctl snapshot save} to a file measured between them, with the CPU seconds per GiB of
 * each. The first snapshot of each server (the one it takes on start) and one more warm the JIT
 * before the measured runs; the first one's speed, from the server's start, is the cold figure.
 */
final class SidecarSnapshotScenario {

    private static final double GIB = 1024.0 * MIB;

    private final Mode mode;
    private final Harness harness;
    private final Table table;

    SidecarSnapshotScenario(Mode mode, Harness harness, Table table) {
        this.mode = mode;
        this.harness = harness;
        this.table = table;
    }

    void run(EtcdProcess etcd, Path snapshotFile) throws Exception {
        int reps = Math.max(3, mode.reps());
        Harness.step("1s. full snapshot in the running sidecar: POST /snapshot/full (file://, s3://) vs 'etcdctl snapshot save', " + reps + " runs each");
        String endpoint = etcd.clientUrl().toString();
        List<Run> ctl = new ArrayList<>();
        List<Run> toFile = new ArrayList<>();
        List<Run> toS3 = new ArrayList<>();
        double[] cold = new double[2];
        long dbBytes = 0;
        try (S3Server s3 = S3Server.start(Files.createDirectories(harness.work().resolve("s3-sidecar")))) {
            Path fileStore = harness.work().resolve("store-sidecar");
            // One at a time, so that each one's first snapshot has the cores to itself.
            SidecarServer file = SidecarServer.start(harness, endpoint, "file://" + fileStore, SidecarServer.Launch.PLAIN, "server-sidecar-file");
            SidecarServer object = null;
            try {
                cold[0] = file.awaitStartSnapshot();
                object = SidecarServer.start(harness, endpoint, s3.storeUrl("sidecar"),
                        new SidecarServer.Launch(List.of(), S3Server.env(), List.of(), Optional.empty()), "server-sidecar-s3");
                cold[1] = object.awaitStartSnapshot();
                file.snapshot(); // the warm-up run
                object.snapshot();
                for (int rep = 0; rep < reps; rep++) {
                    Files.deleteIfExists(snapshotFile);
                    Child.Result c = harness.etcdTool(harness.binaries().etcdctl(),
                            List.of("--endpoints", endpoint, "snapshot", "save", snapshotFile.toString()), "etcdctl-save-sidecar-" + rep);
                    dbBytes = Files.size(snapshotFile);
                    ctl.add(new Run(c.seconds(), c.cpuSeconds()));
                    toFile.add(file.snapshot());
                    toS3.add(object.snapshot());
                    System.out.printf(Locale.ROOT, "  run %d: etcdctl %.2f s (cpu %.2f s), sidecar file %.2f s (cpu %.2f s), sidecar s3 %.2f s (cpu %.2f s)%n",
                            rep + 1, c.seconds(), c.cpuSeconds(), last(toFile).seconds(), last(toFile).cpuSeconds(), last(toS3).seconds(),
                            last(toS3).cpuSeconds());
                }
            } finally {
                file.stop();
                if (object != null) {
                    object.stop();
                }
            }
        }
        double gib = dbBytes / GIB;
        double base = dbBytes / MB / median(ctl, Run::seconds);
        String ctlCpu = String.format(Locale.ROOT, "etcdctl %.2f CPU s/GiB", median(ctl, Run::cpuSeconds) / gib);
        String setup = String.format(Locale.ROOT, "%.0f MiB db, zstd-3, warm server, median of %d", dbBytes / (double) MIB, reps);
        add("1s sidecar full snapshot -> file://", setup, toFile, cold[0], dbBytes, base, ctlCpu);
        add("1s sidecar full snapshot -> s3:// (S3Proxy)", setup, toS3, cold[1], dbBytes, base,
                ctlCpu + "; S3Proxy runs in the bench JVM on the same 2 cores, its CPU not counted");
    }

    private void add(String figure, String setup, List<Run> runs, double coldSeconds, long dbBytes, double base, String ctlCpu) {
        double cpuPerGib = median(runs, Run::cpuSeconds) / (dbBytes / GIB);
        table.add(new Table.Row(figure, setup, dbBytes / MB / median(runs, Run::seconds), "MB/s", "etcdctl snapshot save", base, "MB/s",
                String.format(Locale.ROOT, "sidecar %.2f CPU s/GiB, %s; server start to its first snapshot published (JVM start, cold JIT): %.0f MB/s", cpuPerGib, ctlCpu,
                        dbBytes / MB / coldSeconds)));
    }

    private static Run last(List<Run> runs) {
        return runs.get(runs.size() - 1);
    }

    private static double median(List<Run> runs, ToDoubleFunction<Run> figure) {
        return Stats.median(runs.stream().map(figure::applyAsDouble).toList());
    }
}
