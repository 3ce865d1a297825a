package io.etcdbackup.bench;

import static io.etcdbackup.bench.Harness.MIB;

import io.etcd.jetcd.Client;
import io.etcdbackup.bench.soak.Fault;
import io.etcdbackup.bench.soak.Lifecycle;
import io.etcdbackup.etcdprocess.DirectoryTrees;
import io.etcdbackup.etcdprocess.EtcdBinaries;
import io.etcdbackup.etcdprocess.EtcdProcess;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * End-to-end figures of the agent, each beside a baseline measured in the same run. Run through
 * {@code scripts/bench.sh [quick|full|scale|restore|soak [ROUNDS]]}; see docs/performance.md.
 *
 * <p>The one place the bench reads its configuration: the mode from the first argument (default
 * {@code quick}), the repository from {@code bench.repo} (default the working directory), the
 * etcd binaries from {@code bench.etcd.bin} (default the repository's {@code .cache/etcd/3.5}),
 * and the java that runs the agent from {@code java.home}. The chaos soak ({@code soak}): its
 * rounds from the second argument (default 30), its schedule's seed from {@code bench.soak.seed}
 * (default: the clock), its faults from {@code bench.soak.faults} (comma-separated names of
 * {@link Fault}; default all the agent's lifecycle heals from), and {@code bench.soak.lifecycle}
 * ({@code STATIC} runs without the member lifecycle even when the agent has it). Each scenario gets what it needs by
 * constructor. Prints the table and writes it to {@code bench/results/} as JSON, CSV, Markdown
 * and text; exits 1 when a scenario failed (the rows measured until then are still written).
 */
public final class Bench {

    private Bench() {
    }

    public static void main(String[] args) throws Exception {
        Mode mode = Mode.of(args.length > 0 ? args[0] : "quick");
        ChaosSoakScenario.Options soak = new ChaosSoakScenario.Options(args.length > 1 ? Integer.parseInt(args[1]) : 30,
                Long.getLong("bench.soak.seed", System.nanoTime()), ChaosSoakScenario.faults(System.getProperty("bench.soak.faults", "")),
                Optional.ofNullable(System.getProperty("bench.soak.lifecycle")).map(Lifecycle::valueOf));
        Path repo = Path.of(System.getProperty("bench.repo", ".")).toAbsolutePath().normalize();
        Path bin = Path.of(System.getProperty("bench.etcd.bin", repo.resolve(".cache/etcd/3.5/usr/bin").toString()));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        EtcdBinaries binaries = EtcdBinaries.locate(Optional.of(bin), null);
        Path work = Files.createTempDirectory("eba-bench-");
        long start = System.nanoTime();
        Map<String, String> machine = Machine.describe(repo, System.getProperties());
        machine.put("mode", mode.name());
        machine.put("etcd", binaries.version());
        System.out.println("etcd-backup-agent bench, mode " + mode.name() + ", work dir " + work);
        Harness harness = new Harness(work, binaries, repo.resolve("agent/target/etcd-backup-agent.jar"), java);
        Table table = new Table();
        int exit = 0;
        try {
            if (mode.runs(Mode.Part.SOAK)) {
                new ChaosSoakScenario(soak, harness, table).run();
            } else {
                run(mode, harness, table, repo);
            }
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
        table.write(results, stem, machine, mode.name(), seconds);
        System.out.println();
        System.out.println(table.text(machine));
        System.out.println("written: " + results.resolve(stem + ".{json,csv,md,txt}"));
        System.exit(exit);
    }

    /** The scenarios in their order: those on the generated database, then those with their own etcd or none. */
    private static void run(Mode mode, Harness harness, Table table, Path repo) throws Exception {
        if (mode.needsDatabase()) {
            runOnDatabase(mode, harness, table, repo);
        }
        if (mode.runs(Mode.Part.RECOVERY_POINT)) {
            new RecoveryPointScenario(mode, harness, table).run();
        }
        if (mode.runs(Mode.Part.CATALOG)) {
            new CatalogScenario(mode, harness, table).run();
        }
    }

    private static void runOnDatabase(Mode mode, Harness harness, Table table, Path repo) throws Exception {
        Path work = harness.work();
        Path etcdDir = work.resolve("etcd/data");
        EtcdProcess etcd = EtcdProcess.start(EtcdProcess.Spec.singleMember(harness.binaries(), "bench", etcdDir,
                List.of("--quota-backend-bytes=" + 16L * 1024 * MIB, "--heartbeat-interval=10", "--election-timeout=100")));
        try (Client client = Client.builder().endpoints(etcd.clientUrl()).build()) {
            etcd.awaitHealthy(Duration.ofSeconds(30));
            Harness.step("generating data: Kubernetes-like keys, 0.5-8 KiB values, until the database holds " + mode.dbBytes() / MIB + " MiB");
            long t = System.nanoTime();
            int keys = new Workload(42).loadUntil(client, etcd.clientUrl(), mode.dbBytes());
            long dbSize = Workload.dbSize(client, etcd.clientUrl());
            System.out.printf(Locale.ROOT, "  %d keys, database %.1f MiB, %.1f s%n", keys, dbSize / (double) MIB, Harness.secondsSince(t));

            if (mode.runs(Mode.Part.SNAPSHOT)) {
                Path snapshotFile = work.resolve("etcdctl.db");
                FullSnapshotScenario.Runs full = new FullSnapshotScenario(mode, harness, table).run(etcd, snapshotFile);
                if (mode.runs(Mode.Part.SIDECAR)) {
                    new SidecarSnapshotScenario(mode, harness, table).run(etcd, snapshotFile);
                    new CompressionScenario(table).run(snapshotFile);
                    new FootprintScenario(mode, harness, table).run(client, etcd, full, keys);
                    new MemoryLimitScenario(harness, table, repo).run(client, etcd, dbSize, keys);
                }
            }
            if (mode.runs(Mode.Part.RESTORE)) {
                new RestoreScenario(mode, harness, table).run(client, etcd, keys);
            }
        } finally {
            etcd.stop();
        }
        DirectoryTrees.delete(work.resolve("etcd"));
    }
}
