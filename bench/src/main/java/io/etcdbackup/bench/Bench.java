package io.etcdbackup.bench;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.KeyValue;
import io.etcdbackup.restore.RestorePlan;
import io.etcdbackup.restore.RestorePlanner;
import io.etcdbackup.snapshot.catalog.BackupLayout;
import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.snapshot.catalog.CatalogWriter;
import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
import io.etcdbackup.snapshot.catalog.FullSnapshotRef;
import io.etcdbackup.snapshot.catalog.GenerationInfo;
import io.etcdbackup.etcdprocess.DirectoryTrees;
import io.etcdbackup.etcdprocess.EtcdBinaries;
import io.etcdbackup.etcdprocess.EtcdProcess;
import io.etcdbackup.snapshot.format.Codec;
import io.etcdbackup.snapshot.format.DeltaEventCodec;
import io.etcdbackup.snapshot.format.ObjectHeader;
import io.etcdbackup.snapshot.format.ObjectKind;
import io.etcdbackup.snapshot.format.SnapshotObjectFormat;
import io.etcdbackup.snapshot.format.SnapshotObjectWriter;
import io.etcdbackup.stores.ObjectInfo;
import io.etcdbackup.stores.ObjectIterator;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.ObjectStores;
import io.etcdbackup.stores.StoreContext;
import io.etcdbackup.stores.WriteMode;
import io.etcdbackup.stores.metrics.MeteredObjectStore;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * End-to-end figures of the agent, each beside a baseline measured in the same run. Run through
 * {@code scripts/bench.sh [quick|full]}; see docs/performance.md.
 */
public final class Bench {

    private static final long MIB = 1024L * 1024;
    private static final double MB = 1e6;

    /** What a mode measures. */
    record Mode(String name, long dbBytes, int reps, int restoreRevisions, Duration rpLoadSlow, Duration rpLoadFast, int segments,
                boolean restoreOnly) {
        static Mode of(String name) {
            return switch (name) {
                case "quick" -> new Mode("quick", 256 * MIB, 1, 50_000, Duration.ofSeconds(20), Duration.ofSeconds(10), 5000, false);
                case "full" -> new Mode("full", 1024 * MIB, 3, 500_000, Duration.ofSeconds(90), Duration.ofSeconds(30), 5000, false);
                case "restore" -> new Mode("restore", 256 * MIB, 1, 50_000, Duration.ZERO, Duration.ZERO, 0, true);
                default -> throw new IllegalArgumentException("mode must be quick, full or restore, got '" + name + "'");
            };
        }
    }

    private final Mode mode;
    private final Path repo;
    private final Path work;
    private final EtcdBinaries binaries;
    private final Path agentJar;
    private final String java;
    private final Table table = new Table();
    private final Map<String, String> etcdctlEnv = Map.of("ETCDCTL_API", "3");

    private Bench(Mode mode, Path repo, Path work, EtcdBinaries binaries) {
        this.mode = mode;
        this.repo = repo;
        this.work = work;
        this.binaries = binaries;
        this.agentJar = repo.resolve("agent/target/etcd-backup-agent.jar");
        this.java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    public static void main(String[] args) throws Exception {
        Mode mode = Mode.of(args.length > 0 ? args[0] : "quick");
        Path repo = Path.of(System.getProperty("bench.repo", ".")).toAbsolutePath().normalize();
        Path bin = Path.of(System.getProperty("bench.etcd.bin", repo.resolve(".cache/etcd/3.5/usr/bin").toString()));
        EtcdBinaries binaries = EtcdBinaries.locate(Optional.of(bin), null);
        Path work = Files.createTempDirectory("eba-bench-");
        long start = System.nanoTime();
        Map<String, String> machine = Machine.describe(repo);
        machine.put("mode", mode.name());
        machine.put("etcd", binaries.version());
        System.out.println("etcd-backup-agent bench, mode " + mode.name() + ", work dir " + work);
        Bench bench = new Bench(mode, repo, work, binaries);
        int exit = 0;
        try {
            bench.run();
        } catch (Exception e) {
            exit = 1;
            System.out.println("bench failed: " + e);
            e.printStackTrace(System.out);
        } finally {
            DirectoryTrees.delete(work);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        machine.put("bench wall time", String.format(Locale.ROOT, "%.0f s", seconds));
        String stem = "bench-" + mode.name() + "-" + Instant.now().truncatedTo(ChronoUnit.SECONDS).toString().replace(":", "");
        Path results = repo.resolve("bench/results");
        bench.table.write(results, stem, machine, mode.name(), seconds);
        System.out.println();
        System.out.println(bench.table.text(machine));
        System.out.println("written: " + results.resolve(stem + ".{json,csv,md,txt}"));
        System.exit(exit);
    }

    private void run() throws Exception {
        Path etcdDir = work.resolve("etcd/data");
        EtcdProcess etcd = EtcdProcess.start(EtcdProcess.Spec.singleMember(binaries, "bench", etcdDir,
                List.of("--quota-backend-bytes=" + 16L * 1024 * MIB, "--heartbeat-interval=10", "--election-timeout=100")));
        try (Client client = Client.builder().endpoints(etcd.clientUrl()).build()) {
            etcd.awaitHealthy(Duration.ofSeconds(30));
            step("generating data: Kubernetes-like keys, 0.5-8 KiB values, until the database holds " + mode.dbBytes() / MIB + " MiB");
            long t = System.nanoTime();
            int keys = new Workload(42).loadUntil(client, etcd.clientUrl(), mode.dbBytes());
            long dbSize = Workload.dbSize(client, etcd.clientUrl());
            System.out.printf(Locale.ROOT, "  %d keys, database %.1f MiB, %.1f s%n", keys, dbSize / (double) MIB, secondsSince(t));

            if (!mode.restoreOnly()) {
                Path snapshotFile = work.resolve("etcdctl.db");
                FullRuns full = fullSnapshots(etcd, snapshotFile);
                compression(snapshotFile);
                footprint(client, etcd, full, keys);
            }
            restore(client, etcd, keys);
        } finally {
            etcd.stop();
        }
        DirectoryTrees.delete(work.resolve("etcd"));
        if (!mode.restoreOnly()) {
            recoveryPoint();
            catalog();
        }
    }

    // 1. Full snapshot throughput -------------------------------------------------------------

    /** What the full snapshot runs leave for later steps. */
    record FullRuns(Path fileStore, Instant fileStoreFinished, long etcdctlPeakRss, long dbBytes) {
    }

    private FullRuns fullSnapshots(EtcdProcess etcd, Path snapshotFile) throws Exception {
        step("1. full snapshot throughput: agent 'snapshot full' (file://, s3://) vs 'etcdctl snapshot save', " + mode.reps() + " runs each");
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
                Child.Result c = Child.run(List.of(binaries.etcdctl().toString(), "--endpoints", url, "snapshot", "save", snapshotFile.toString()),
                        etcdctlEnv, work.resolve("logs/etcdctl-save-" + rep), Duration.ofMinutes(20));
                dbBytes = Files.size(snapshotFile);
                ctl.add(c.seconds());
                ctlRss.add(c.peakRssBytes());

                if (lastStore != null) {
                    DirectoryTrees.delete(lastStore);
                }
                Path store = work.resolve("store-full-" + rep);
                Child.Result f = agent(List.of("snapshot", "full", "--endpoints", url, "--store", "file://" + store), Map.of(),
                        "snapshot-full-file-" + rep);
                lastFinished = Instant.now();
                lastStore = store;
                toFile.add(f.seconds());
                agentRss.add(f.peakRssBytes());
                compressedFile = parseLong(f.stdout(), "bytes=");

                Child.Result s = agent(List.of("snapshot", "full", "--endpoints", url, "--store", s3.storeUrl("full-" + rep)), S3Server.env(),
                        "snapshot-full-s3-" + rep);
                toS3.add(s.seconds());
                DirectoryTrees.delete(work.resolve("s3/" + S3Server.BUCKET + "/full-" + rep));
                System.out.printf(Locale.ROOT, "  run %d: etcdctl %.2f s, agent file %.2f s, agent s3 %.2f s%n", rep + 1, c.seconds(), f.seconds(), s.seconds());
            }
        }
        double base = dbBytes / MB / median(ctl);
        String setup = String.format(Locale.ROOT, "%.0f MiB db, zstd-3, median of %d", dbBytes / (double) MIB, mode.reps());
        String note = "wall time of the CLI incl. JVM start";
        table.add(new Table.Row("1 full snapshot -> file://", setup, dbBytes / MB / median(toFile), "MB/s", "etcdctl snapshot save", base, "MB/s",
                note + String.format(Locale.ROOT, "; object %.0f MiB", compressedFile / (double) MIB)));
        table.add(new Table.Row("1 full snapshot -> s3:// (S3Proxy)", setup, dbBytes / MB / median(toS3), "MB/s", "etcdctl snapshot save", base,
                "MB/s", note + "; S3Proxy in the bench JVM shares the 2 cores"));
        return new FullRuns(lastStore, lastFinished, Collections.max(ctlRss), dbBytes);
    }

    // 5. Compression -----------------------------------------------------------------------------

    private void compression(Path snapshotFile) throws IOException {
        step("5. compression of the snapshot file: zstd 1/3/9 vs gzip 6 (io.etcdbackup.snapshot.format.Codec)");
        long size = Files.size(snapshotFile);
        double[] gzip = codecRun(snapshotFile, Codec.GZIP, 6);
        for (int level : new int[] {1, 3, 9}) {
            double[] z = codecRun(snapshotFile, Codec.ZSTD, level);
            String setup = String.format(Locale.ROOT, "%.0f MiB snapshot", size / (double) MIB);
            table.add(new Table.Row("5 zstd-" + level + " compression ratio", setup, z[0], ":1", "gzip-6", gzip[0], ":1", ""));
            table.add(new Table.Row("5 zstd-" + level + " compression speed", setup, z[1], "MB/s", "gzip-6", gzip[1], "MB/s",
                    "one thread, input from page cache"));
        }
    }

    /** Returns {ratio, MB/s of input}. */
    private static double[] codecRun(Path file, Codec codec, int level) throws IOException {
        CountingSink sink = new CountingSink();
        long t = System.nanoTime();
        try (InputStream in = Files.newInputStream(file); OutputStream out = codec.compress(sink, level)) {
            in.transferTo(out);
        }
        double seconds = secondsSince(t);
        long size = Files.size(file);
        System.out.printf(Locale.ROOT, "  %s-%d: %d -> %d bytes in %.2f s%n", codec.id(), level, size, sink.count, seconds);
        return new double[] {size / (double) sink.count, size / MB / seconds};
    }

    private static final class CountingSink extends OutputStream {
        long count;

        @Override
        public void write(int b) {
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            count += len;
        }
    }

    // 4. Footprint -----------------------------------------------------------------------------

    private void footprint(Client client, EtcdProcess etcd, FullRuns full, int keys) throws Exception {
        step("4. agent footprint: 'server' taking a full snapshot while capturing deltas at 2,000 writes/s");
        // The server continues the generation of the last file:// run and, with a cron of every
        // minute, takes an overdue full snapshot at once while its delta capture runs.
        Instant boundary = full.fileStoreFinished().truncatedTo(ChronoUnit.MINUTES).plus(1, ChronoUnit.MINUTES).plusSeconds(1);
        long wait = Duration.between(Instant.now(), boundary).toMillis();
        if (wait > 0) {
            System.out.printf(Locale.ROOT, "  waiting %.0f s for the next minute so that the newest full snapshot is overdue%n", wait / 1000.0);
            Thread.sleep(wait);
        }
        ObjectStore store = ObjectStores.open("file://" + full.fileStore(), StoreContext.empty());
        int fullsBefore = count(store, "/full/");
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
        Path gcLog = work.resolve("logs/server-footprint-gc.log");
        Files.createDirectories(gcLog.getParent());
        Child server = Child.start(List.of(java, "-Xlog:gc:file=" + gcLog, "-jar", agentJar.toString(), "server", "--server-port", "0", "--endpoints",
                etcd.clientUrl().toString(), "--store", "file://" + full.fileStore(), "--full-schedule", "* * * * *"), Map.of(),
                work.resolve("logs/server-footprint"));
        long t = System.nanoTime();
        Child.Result result;
        boolean published = false;
        try {
            long deadline = System.nanoTime() + Duration.ofMinutes(mode.name().equals("quick") ? 3 : 10).toNanos();
            while (System.nanoTime() < deadline && server.isAlive()) {
                if (count(store, "/full/") > fullsBefore) {
                    published = true;
                    break;
                }
                Thread.sleep(100);
            }
            double fullSeconds = secondsSince(t);
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
        int deltas = count(store, "/delta/");
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

    private static final Pattern GC_LINE = Pattern.compile("(\\d+)([KMG])->(\\d+)([KMG])\\((\\d+)([KMG])\\)");

    /** {peak used before GC MiB, peak committed MiB, number of GCs} from a -Xlog:gc file. */
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

    // 2. Restore -------------------------------------------------------------------------------

    private void restore(Client client, EtcdProcess etcd, int keys) throws Exception {
        step("2. restore: full + " + mode.restoreRevisions() + " delta revisions with 'restore' vs 'etcdctl snapshot restore' of the final state");
        String url = etcd.clientUrl().toString();
        Path storeDir = work.resolve("store-restore");
        String store = "file://" + storeDir;
        agent(List.of("snapshot", "full", "--endpoints", url, "--store", store), Map.of(), "restore-base-full");
        long t = System.nanoTime();
        new Workload(99).putMany(client.getKVClient(), 0, mode.restoreRevisions(), keys);
        double writeSeconds = secondsSince(t);
        long finalRevision = Workload.revision(client, etcd.clientUrl());
        System.out.printf(Locale.ROOT, "  %d revisions written in %.1f s, revision now %d%n", mode.restoreRevisions(), writeSeconds, finalRevision);
        agent(List.of("snapshot", "delta", "--endpoints", url, "--store", store, "--timeout", "30m"), Map.of(), "restore-delta");
        Path finalSnapshot = work.resolve("final.db");
        Child.run(List.of(binaries.etcdctl().toString(), "--endpoints", url, "snapshot", "save", finalSnapshot.toString()), etcdctlEnv,
                work.resolve("logs/etcdctl-save-final"), Duration.ofMinutes(20));

        ObjectStore objects = ObjectStores.open(store, StoreContext.empty());
        RestorePlan plan = new RestorePlanner(new Catalog(objects)).latest();
        long deltaBytes = plan.deltas().stream().mapToLong(d -> d.size()).sum();

        Child.Result restored = agent(List.of("restore", "--store", store, "--data-dir", work.resolve("restored").toString(),
                "--etcd-bin-dir", binaries.etcd().getParent().toString()), Map.of(), "restore");
        long restoredRevision = parseLong(restored.stdout(), "revision=");
        if (restoredRevision != finalRevision) {
            throw new IllegalStateException("restore produced revision " + restoredRevision + ", the source is at " + finalRevision);
        }
        DirectoryTrees.delete(work.resolve("restored"));
        // etcd's own restore of the final state: etcdutl on 3.5+, etcdctl on 3.4.
        Path restoreTool = binaries.etcdutl().orElse(binaries.etcdctl());
        String floorName = restoreTool.getFileName() + " snapshot restore of final state";
        Child.Result floor = Child.run(List.of(restoreTool.toString(), "snapshot", "restore", finalSnapshot.toString(), "--data-dir",
                work.resolve("floor").toString()), etcdctlEnv, work.resolve("logs/etcd-restore-final"), Duration.ofMinutes(20));
        DirectoryTrees.delete(work.resolve("floor"));
        String setup = String.format(Locale.ROOT, "full %.0f MiB (compressed) + %d revisions in %d segments (%.0f MiB)",
                plan.full().size() / (double) MIB, plan.targetRevision() - plan.full().revision(), plan.deltas().size(), deltaBytes / (double) MIB);
        table.add(new Table.Row("2 restore time", setup, restored.seconds(), "s", floorName, floor.seconds(), "s",
                String.format(Locale.ROOT, "restored revision %d = source; final db %.0f MiB; etcd %s; scratch fsyncs %d",
                        restoredRevision, Files.size(finalSnapshot) / (double) MIB, binaries.version(),
                        parseLong(restored.stdout(), "scratch_wal_fsyncs="))));
        table.add(new Table.Row("2a replay rate", setup, parseLong(restored.stdout(), "replay_rate_rev_per_s="), "rev/s",
                "rate the workload wrote them (64 puts in flight)", mode.restoreRevisions() / writeSeconds, "rev/s",
                String.format(Locale.ROOT, "etcd %s; one transaction per source revision; %d sent again after overtaking",
                        binaries.version(), parseLong(restored.stdout(), "replay_resent="))));
        Files.deleteIfExists(finalSnapshot);

        // The same chain after compaction: the latest state is one full snapshot.
        Child.Result compacted = agent(List.of("compact", "--store", store, "--etcd-bin-dir", binaries.etcd().getParent().toString(),
                "--scratch-dir", work.resolve("compact-scratch").toString()), Map.of(), "compact");
        Child.Result after = agent(List.of("restore", "--store", store, "--data-dir", work.resolve("restored").toString(),
                "--etcd-bin-dir", binaries.etcd().getParent().toString()), Map.of(), "restore-after-compaction");
        long afterRevision = parseLong(after.stdout(), "revision=");
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

    // 3. Recovery point -------------------------------------------------------------------------

    private void recoveryPoint() throws Exception {
        step("3. recovery point: ack by etcd -> revision durable in the store (local store polled every 20 ms)");
        Path dir = work.resolve("etcd-rp/data");
        EtcdProcess etcd = EtcdProcess.start(EtcdProcess.Spec.singleMember(binaries, "rp", dir,
                List.of("--heartbeat-interval=10", "--election-timeout=100")));
        try (Client client = Client.builder().endpoints(etcd.clientUrl()).build()) {
            etcd.awaitHealthy(Duration.ofSeconds(30));
            int keySpace = 2000;
            new Workload(5).putMany(client.getKVClient(), 0, keySpace, keySpace);
            for (Duration period : List.of(Duration.ofSeconds(20), Duration.ofSeconds(1))) {
                for (int rate : new int[] {500, 2000}) {
                    Duration load = period.toSeconds() >= 20 ? mode.rpLoadSlow() : mode.rpLoadFast();
                    recoveryPointRun(client, etcd, period, rate, load, keySpace);
                }
            }
        } finally {
            etcd.stop();
        }
    }

    private void recoveryPointRun(Client client, EtcdProcess etcd, Duration period, int rate, Duration load, int keySpace) throws Exception {
        Path storeDir = work.resolve("store-rp-" + period.toSeconds() + "-" + rate);
        ObjectStore store = ObjectStores.open("file://" + storeDir, StoreContext.empty());
        Child server = agentServer(etcd, "file://" + storeDir, period, "server-rp-" + period.toSeconds() + "s-" + rate);
        List<long[]> polls = new ArrayList<>(); // {nanoTime, highest durable revision}
        AtomicBoolean polling = new AtomicBoolean(true);
        Workload.Acks acks;
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (count(store, "/full/") == 0) {
                if (System.nanoTime() > deadline || !server.isAlive()) {
                    throw new IllegalStateException("server published no full snapshot within 60 s\n" + server.tailOfStderr());
                }
                Thread.sleep(50);
            }
            Thread poller = new Thread(() -> {
                long high = 0;
                while (polling.get()) {
                    try {
                        long h = highestDelta(store);
                        long now = System.nanoTime();
                        if (h > high) {
                            high = h;
                            synchronized (polls) {
                                polls.add(new long[] {now, h});
                            }
                        }
                        Thread.sleep(20);
                    } catch (IOException | RuntimeException e) {
                        // a listing racing a publish; the next poll sees it
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "store-poller");
            poller.setDaemon(true);
            poller.start();
            acks = Workload.steady(client.getKVClient(), rate, load, keySpace, rate, () -> false);
            long target = acks.maxRevision();
            long waitUntil = System.nanoTime() + period.plusSeconds(30).toNanos();
            while (System.nanoTime() < waitUntil) {
                synchronized (polls) {
                    if (!polls.isEmpty() && polls.get(polls.size() - 1)[1] >= target) {
                        break;
                    }
                }
                Thread.sleep(50);
            }
            polling.set(false);
            poller.join(5000);
        } finally {
            server.stop(Duration.ofSeconds(30));
            DirectoryTrees.delete(storeDir);
        }
        int n = acks.size();
        long[] pollTimes;
        long[] pollRevs;
        synchronized (polls) {
            pollTimes = polls.stream().mapToLong(p -> p[0]).toArray();
            pollRevs = polls.stream().mapToLong(p -> p[1]).toArray();
        }
        double[] lags = new double[n];
        int durable = 0;
        for (int i = 0; i < n; i++) {
            int at = firstAtLeast(pollRevs, acks.revisions[i]);
            if (at >= 0) {
                lags[durable++] = Math.max(0, pollTimes[at] - acks.ackNanos[i]) / 1e9;
            }
        }
        String setup = String.format(Locale.ROOT, "period %ds, %d writes/s target (%.0f achieved), %d s load", period.toSeconds(), rate,
                acks.achievedRate(), load.toSeconds());
        if (durable == 0) {
            table.unmeasured("3 recovery point " + setup + ": no acknowledged write became durable within period + 30 s");
            return;
        }
        double[] sorted = Arrays.copyOf(lags, durable);
        Arrays.sort(sorted);
        String note = durable == n ? n + " writes, all durable" : durable + " of " + n + " writes durable within period + 30 s";
        double p = period.toMillis() / 1000.0;
        table.add(new Table.Row("3 recovery point p50", setup, percentile(sorted, 0.50), "s", "delta period", p, "s", note));
        table.add(new Table.Row("3 recovery point p99", setup, percentile(sorted, 0.99), "s", "delta period", p, "s", ""));
        table.add(new Table.Row("3 recovery point max", setup, sorted[sorted.length - 1], "s", "delta period", p, "s", ""));
    }

    private Child agentServer(EtcdProcess etcd, String store, Duration period, String log) throws IOException {
        return Child.start(List.of(java, "-jar", agentJar.toString(), "server", "--server-port", "0", "--endpoints", etcd.clientUrl().toString(), "--store", store,
                "--delta-period", period.toSeconds() + "s", "--full-schedule", ""), Map.of(), work.resolve("logs/" + log));
    }

    private static int firstAtLeast(long[] ascending, long value) {
        int lo = 0;
        int hi = ascending.length - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (ascending[mid] >= value) {
                found = mid;
                hi = mid - 1;
            } else {
                lo = mid + 1;
            }
        }
        return found;
    }

    private static long highestDelta(ObjectStore store) throws IOException {
        long high = 0;
        ObjectIterator it = store.list(BackupLayout.ROOT);
        while (it.hasNext()) {
            ObjectInfo info = it.next();
            Optional<BackupLayout.ParsedKey> key = BackupLayout.parse(info.key());
            if (key.isPresent() && key.get().type() == BackupLayout.KeyType.DELTA) {
                high = Math.max(high, key.get().lastRevision());
            }
        }
        return high;
    }

    // 6. Catalog -------------------------------------------------------------------------------

    private void catalog() throws Exception {
        int segments = mode.segments();
        step("6. catalog: store requests and time to plan a restore over " + segments + " delta segments (file:// store)");
        Path dir = work.resolve("store-catalog");
        ObjectStore store = ObjectStores.open("file://" + dir, StoreContext.empty());
        Instant now = Instant.now();
        String generation = BackupLayout.newGenerationId(now);
        // Indexed the way capture indexes: generation record, full, then the segments.
        Catalog index = new Catalog(store, new CatalogWriter(store, "bench", Clock.systemUTC()));
        index.recordGeneration(new GenerationInfo(generation, "bench", now, 1, 1, null));
        long t = System.nanoTime();
        writeObject(store, BackupLayout.fullKey(generation, 1, now),
                new ObjectHeader(SnapshotObjectFormat.FORMAT_VERSION, ObjectKind.FULL, generation, 1, 1, 1, 1, Codec.ZSTD, now, binaries.version(),
                        0, List.of()), new byte[64]);
        ExecutorService writers = Executors.newFixedThreadPool(8);
        List<Future<?>> writes = new ArrayList<>();
        for (int seg = 0; seg < segments; seg++) {
            int s = seg;
            writes.add(writers.submit(() -> {
            long revision = 2 + s;
            String key = Workload.key(s);
            Event event = Event.newBuilder().setType(Event.EventType.PUT).setKv(KeyValue.newBuilder()
                    .setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFromUtf8("{\"n\":" + s + "}"))
                    .setCreateRevision(revision).setModRevision(revision).setVersion(1)).build();
            ByteArrayOutputStream content = new ByteArrayOutputStream();
            DeltaEventCodec.write(List.of(event), content);
            writeObject(store, BackupLayout.deltaKey(generation, revision, revision),
                    new ObjectHeader(SnapshotObjectFormat.FORMAT_VERSION, ObjectKind.DELTA, generation, revision, revision, 1, 1, Codec.ZSTD,
                            now, binaries.version(), 1, List.of()), content.toByteArray());
            return null;
            }));
        }
        try {
            for (Future<?> w : writes) {
                w.get();
            }
        } finally {
            writers.shutdownNow();
        }
        index.recordFull(new FullSnapshotRef(BackupLayout.fullKey(generation, 1, now), generation, 1, now, 64));
        List<DeltaSegmentRef> refs = new ArrayList<>();
        for (int seg = 0; seg < segments; seg++) {
            refs.add(new DeltaSegmentRef(BackupLayout.deltaKey(generation, 2 + seg, 2 + seg), generation, 2 + seg, 2 + seg, 100, now));
        }
        index.recordDeltas(refs);
        System.out.printf(Locale.ROOT, "  wrote and indexed 1 full + %d delta segments in %.1f s%n", segments, secondsSince(t));
        List<Double> times = new ArrayList<>();
        long requests = 0;
        for (int run = 0; run < 5; run++) {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            MeteredObjectStore metered = new MeteredObjectStore(store, registry);
            long start = System.nanoTime();
            RestorePlan plan = new RestorePlanner(new Catalog(metered)).latest();
            times.add(secondsSince(start));
            if (plan.deltas().size() != segments) {
                throw new IllegalStateException("plan holds " + plan.deltas().size() + " segments, expected " + segments);
            }
            requests = registry.find(MeteredObjectStore.CALLS).timers().stream().mapToLong(Timer::count).sum();
        }
        DirectoryTrees.delete(dir);
        String setup = segments + " segments + 1 full, local store, catalog index";
        table.add(new Table.Row("6 catalog: store requests to plan", setup, requests, "requests", "segments", segments, "",
                "MeteredObjectStore calls; a list counts once whatever its pages"));
        table.add(new Table.Row("6 catalog: time to plan", setup, median(times) * 1000, "ms", "segments", segments, "",
                "median of 5; ratio = ms per segment"));
    }

    private static void writeObject(ObjectStore store, String key, ObjectHeader header, byte[] content) throws IOException {
        SnapshotObjectWriter writer = SnapshotObjectWriter.start(store.create(key, WriteMode.IF_ABSENT), header, 1);
        writer.write(content);
        writer.finish();
    }

    // helpers ----------------------------------------------------------------------------------

    private Child.Result agent(List<String> args, Map<String, String> env, String log) throws Exception {
        List<String> command = new ArrayList<>(List.of(java, "-jar", agentJar.toString()));
        command.addAll(args);
        return Child.run(command, env, work.resolve("logs/" + log), Duration.ofMinutes(60));
    }

    private static int count(ObjectStore store, String part) throws IOException {
        int n = 0;
        ObjectIterator it = store.list(BackupLayout.ROOT);
        while (it.hasNext()) {
            if (it.next().key().contains(part)) {
                n++;
            }
        }
        return n;
    }

    private static long parseLong(String text, String label) {
        Matcher m = Pattern.compile(Pattern.quote(label) + "(\\d+)").matcher(text);
        if (!m.find()) {
            throw new IllegalStateException("no '" + label + "' in output: " + text);
        }
        return Long.parseLong(m.group(1));
    }

    private static double median(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static double percentile(double[] sorted, double q) {
        int index = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

    private static double secondsSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    private static void step(String what) {
        System.out.println();
        System.out.println("== " + what);
    }

    private static final class Collections {
        static long max(List<Long> values) {
            return values.stream().mapToLong(Long::longValue).max().orElse(0);
        }
    }
}
