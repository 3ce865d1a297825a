package io.etcdbackup.bench;

import static io.etcdbackup.bench.Harness.MB;
import static io.etcdbackup.bench.Harness.MIB;

import io.etcdbackup.etcdprocess.EtcdProcess;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.ObjectStores;
import io.etcdbackup.stores.StoreContext;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

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

    /** One timed run: wall seconds and CPU seconds of the process that did it. */
    private record Run(double seconds, double cpuSeconds) {
    }

    void run(EtcdProcess etcd, Path snapshotFile) throws Exception {
        int reps = Math.max(3, mode.reps());
        Harness.step("1s. full snapshot in the running sidecar: POST /snapshot/full (file://, s3://) vs 'etcdctl snapshot save', " + reps + " runs each");
        String endpoint = etcd.clientUrl().toString();
        HttpClient http = HttpClient.newHttpClient();
        List<Run> ctl = new ArrayList<>();
        List<Run> toFile = new ArrayList<>();
        List<Run> toS3 = new ArrayList<>();
        double[] cold = new double[2];
        long dbBytes = 0;
        try (S3Server s3 = S3Server.start(Files.createDirectories(harness.work().resolve("s3-sidecar")))) {
            Path fileStore = harness.work().resolve("store-sidecar");
            // One at a time, so that each one's first snapshot has the cores to itself.
            Sidecar file = Sidecar.start(harness, http, endpoint, "file://" + fileStore, Map.of(), "server-sidecar-file");
            Sidecar object = null;
            try {
                cold[0] = file.awaitStartSnapshot(StoreContext.empty());
                object = Sidecar.start(harness, http, endpoint, s3.storeUrl("sidecar"), S3Server.env(), "server-sidecar-s3");
                cold[1] = object.awaitStartSnapshot(new StoreContext(S3Server.env()));
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

    private static double median(List<Run> runs, java.util.function.ToDoubleFunction<Run> figure) {
        return Stats.median(runs.stream().map(figure::applyAsDouble).toList());
    }

    /** A {@code server} on its own port and store, idle but for the snapshots asked of it. */
    private static final class Sidecar {
        private final Child child;
        private final HttpClient http;
        private final URI fullSnapshot;
        private final String storeUrl;

        private Sidecar(Child child, HttpClient http, int port, String storeUrl) {
            this.child = child;
            this.http = http;
            this.fullSnapshot = URI.create("http://127.0.0.1:" + port + "/snapshot/full");
            this.storeUrl = storeUrl;
        }

        static Sidecar start(Harness harness, HttpClient http, String endpoint, String storeUrl, Map<String, String> env, String log)
                throws Exception {
            int port;
            try (ServerSocket free = new ServerSocket(0)) {
                port = free.getLocalPort();
            }
            Child child = harness.startAgent(List.of(), env, List.of("server", "--server-port", Integer.toString(port), "--endpoints", endpoint,
                    "--store", storeUrl, "--full-schedule", ""), log);
            return new Sidecar(child, http, port, storeUrl);
        }

        /** Waits for the snapshot a server takes on start into an empty store; its seconds since the start. */
        double awaitStartSnapshot(StoreContext context) throws Exception {
            long start = System.nanoTime();
            try (ObjectStore store = ObjectStores.open(storeUrl, context)) {
                long deadline = start + Duration.ofMinutes(10).toNanos();
                while (StoreScan.count(store, "/full/") == 0) {
                    if (System.nanoTime() > deadline || !child.isAlive()) {
                        throw new IllegalStateException("the server published no full snapshot on start\n" + child.tailOfStderr());
                    }
                    Thread.sleep(20);
                }
            }
            return Harness.secondsSince(start);
        }

        /** Asks for a full snapshot and waits for the answer. */
        Run snapshot() throws Exception {
            double cpuBefore = child.cpuSeconds();
            long start = System.nanoTime();
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(fullSnapshot).POST(HttpRequest.BodyPublishers.noBody())
                    .timeout(Duration.ofMinutes(20)).build(), HttpResponse.BodyHandlers.ofString());
            double seconds = Harness.secondsSince(start);
            if (response.statusCode() != 200) {
                throw new IllegalStateException("POST " + fullSnapshot + " answered " + response.statusCode() + ": " + response.body());
            }
            return new Run(seconds, child.cpuSeconds() - cpuBefore);
        }

        void stop() throws Exception {
            child.stop(Duration.ofSeconds(60));
        }
    }
}
