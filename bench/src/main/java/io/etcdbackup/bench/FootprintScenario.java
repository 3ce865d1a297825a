package io.etcdbackup.bench;

import static io.etcdbackup.bench.Harness.MIB;

import io.etcd.jetcd.Client;
import io.etcdbackup.etcdprocess.EtcdProcess;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.ObjectStores;
import io.etcdbackup.stores.StoreContext;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rows 4: peak RSS and peak heap of the agent's {@code server} taking a full snapshot while it
 * captures deltas at 2,000 writes/s, beside the database size and etcdctl's peak RSS.
 */
final class FootprintScenario {

    private static final Pattern GC_LINE = Pattern.compile("(\\d+)([KMG])->(\\d+)([KMG])\\((\\d+)([KMG])\\)");

    private final Mode mode;
    private final Harness harness;
    private final Table table;

    FootprintScenario(Mode mode, Harness harness, Table table) {
        this.mode = mode;
        this.harness = harness;
        this.table = table;
    }

    /** Continues the generation of the last file:// run of {@code full}, writing over {@code keys} keys. */
    void run(Client client, EtcdProcess etcd, FullSnapshotScenario.Runs full, int keys) throws Exception {
        Harness.step("4. agent footprint: 'server' taking a full snapshot while capturing deltas at 2,000 writes/s");
        // The server continues the generation of the last file:// run and, with a cron of every
        // minute, takes an overdue full snapshot at once while its delta capture runs.
        Instant boundary = full.fileStoreFinished().truncatedTo(ChronoUnit.MINUTES).plus(1, ChronoUnit.MINUTES).plusSeconds(1);
        long wait = Duration.between(Instant.now(), boundary).toMillis();
        if (wait > 0) {
            System.out.printf(Locale.ROOT, "  waiting %.0f s for the next minute so that the newest full snapshot is overdue%n", wait / 1000.0);
            Thread.sleep(wait);
        }
        ObjectStore store = ObjectStores.open("file://" + full.fileStore(), StoreContext.empty());
        int fullsBefore = StoreScan.count(store, "/full/");
        AtomicBoolean stop = new AtomicBoolean();
        Workload.Acks[] acks = new Workload.Acks[1];
        Exception[] loadFailure = new Exception[1];
        Thread load = new Thread(() -> {
            try {
                acks[0] = Workload.steady(client.getKVClient(), 2000, Duration.ofMinutes(10), keys, 7, stop::get);
            } catch (Exception e) {
                loadFailure[0] = e;
            }
        }, "load");
        load.start();
        Thread.sleep(1000);
        Path gcLog = harness.work().resolve("logs/server-footprint-gc.log");
        Files.createDirectories(gcLog.getParent());
        Child server = harness.startAgent(List.of("-Xlog:gc:file=" + gcLog), List.of("server", "--server-port", "0", "--endpoints",
                etcd.clientUrl().toString(), "--store", "file://" + full.fileStore(), "--full-schedule", "* * * * *"), "server-footprint");
        long t = System.nanoTime();
        Child.Result result;
        boolean published = false;
        try {
            long deadline = System.nanoTime() + Duration.ofMinutes(mode.name().equals("quick") ? 3 : 10).toNanos();
            while (System.nanoTime() < deadline && server.isAlive()) {
                if (StoreScan.count(store, "/full/") > fullsBefore) {
                    published = true;
                    break;
                }
                Thread.sleep(100);
            }
            double fullSeconds = Harness.secondsSince(t);
            Thread.sleep(2000);
            System.out.printf(Locale.ROOT, "  full snapshot published after %.1f s (server start included): %s%n", fullSeconds, published);
        } finally {
            result = server.stop(Duration.ofSeconds(60));
            stop.set(true);
            load.join(120_000);
        }
        if (loadFailure[0] != null) {
            throw loadFailure[0];
        }
        if (!published) {
            table.unmeasured("4 footprint: the server published no full snapshot in time; see " + server.tailOfStderr());
            return;
        }
        int deltas = StoreScan.count(store, "/delta/");
        String setup = String.format(Locale.ROOT, "%.0f MiB db, %.0f writes/s achieved, default flags", full.dbBytes() / (double) MIB,
                acks[0].achievedRate());
        table.add(new Table.Row("4 server peak RSS (VmHWM)", setup, result.peakRssBytes() / (double) MIB, "MiB", "database size",
                full.dbBytes() / (double) MIB, "MiB", deltas + " delta segments in the store after the run"));
        table.add(new Table.Row("4 server peak RSS vs etcdctl", setup, result.peakRssBytes() / (double) MIB, "MiB",
                "etcdctl snapshot save peak RSS", full.etcdctlPeakRss() / (double) MIB, "MiB", ""));
        double[] heap = gcHeap(gcLog);
        if (Double.isNaN(heap[0])) {
            table.unmeasured("4 server heap: no garbage collection happened, so the GC log holds no heap figure");
        } else {
            table.add(new Table.Row("4 server peak heap used", setup, heap[0], "MiB", "database size", full.dbBytes() / (double) MIB, "MiB",
                    String.format(Locale.ROOT, "largest before-GC heap in -Xlog:gc (%d GCs); committed up to %.0f MiB", (long) heap[2], heap[1])));
        }
    }

    /** {peak used before GC MiB, peak committed MiB, number of GCs} from a -Xlog:gc file; NaN for no GC. */
    static double[] gcHeap(Path log) throws IOException {
        double used = Double.NaN;
        double committed = Double.NaN;
        long gcs = 0;
        for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
            Matcher m = GC_LINE.matcher(line);
            if (m.find()) {
                gcs++;
                double before = mib(m.group(1), m.group(2));
                double total = mib(m.group(5), m.group(6));
                used = Double.isNaN(used) ? before : Math.max(used, before);
                committed = Double.isNaN(committed) ? total : Math.max(committed, total);
            }
        }
        return new double[] {used, committed, gcs};
    }

    private static double mib(String n, String unit) {
        double v = Double.parseDouble(n);
        return switch (unit) {
            case "K" -> v / 1024;
            case "G" -> v * 1024;
            default -> v;
        };
    }
}
