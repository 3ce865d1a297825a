package io.etcdbackup.bench;

import io.etcdbackup.bench.soak.AgentJar;
import io.etcdbackup.bench.soak.ChaosSoak;
import io.etcdbackup.bench.soak.Fault;
import io.etcdbackup.bench.soak.Lifecycle;
import io.etcdbackup.bench.soak.SoakReport;
import io.etcdbackup.bench.soak.SoakSettings;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Rows 7: the long chaos soak ({@link ChaosSoak}, the same code as ChaosSoakIT's short one):
 * rounds, faults of each kind, time to heal (p50, p99), acknowledged writes lost and backup gaps
 * (both must be 0; the bench fails otherwise, after writing its rows). Agents take a full snapshot
 * every 5 minutes and apply retention every minute, so the long run exercises them under faults
 * too and restores stay short.
 */
final class ChaosSoakScenario {

    /**
     * What the soak runs.
     *
     * @param rounds    how many
     * @param seed      the schedule's seed
     * @param faults    the faults to draw from; empty: every fault the agent's lifecycle heals from
     * @param lifecycle forced, or (empty) the member reconciler
     */
    record Options(int rounds, long seed, Set<Fault> faults, Optional<Lifecycle> lifecycle) {
    }

    /** etcd's election timeout in the soak's clusters: the time etcd alone needs to replace a lost leader. */
    private static final double ELECTION_TIMEOUT_SECONDS = 1.0;

    private final Options options;
    private final Harness harness;
    private final Table table;

    ChaosSoakScenario(Options options, Harness harness, Table table) {
        this.options = options;
        this.harness = harness;
        this.table = table;
    }

    void run() throws Exception {
        Harness.step("7. chaos soak: 3 pods (etcd + agent + data dir), a fault per round, heal, read back, restore");
        AgentJar jar = harness.agentJarForSoak();
        Lifecycle lifecycle = options.lifecycle().orElse(Lifecycle.RECONCILER);
        Set<Fault> faults = options.faults().isEmpty() ? lifecycle.heals() : options.faults();
        if (lifecycle != Lifecycle.RECONCILER) {
            System.out.println("  the member lifecycle was turned off: only " + lifecycle.heals() + " can heal");
        }
        SoakSettings settings = SoakSettings.defaults(harness.work().resolve("soak"), jar, harness.binaries(), lifecycle)
                .withFaults(faults).withRounds(options.rounds(), options.seed())
                .withServerFlags(List.of("--full-schedule", "*/5 * * * *", "--gc-period", "1m")).countingProblems();
        SoakReport report;
        try (ChaosSoak soak = new ChaosSoak(settings)) {
            report = soak.run();
        }
        String setup = String.format(Locale.ROOT, "3 members, lifecycle %s, %d writes/s, seed %d", lifecycle, settings.writesPerSecond(),
                settings.seed());
        int rounds = report.rounds().size();
        long failed = report.rounds().stream().filter(r -> !r.passed()).count();
        table.add(new Table.Row("7 soak rounds", setup, rounds, "rounds", "rounds asked", options.rounds(), "rounds",
                failed == 0 ? "all passed" : failed + " failed"));
        for (Fault fault : faults) {
            table.add(new Table.Row("7 soak faults: " + fault.description(), setup, report.count(fault), "rounds", "rounds", rounds, "rounds", ""));
        }
        double[] heals = report.healSeconds();
        String perFault = faults.stream().map(f -> f.name().toLowerCase(Locale.ROOT) + " " + median(report, f)).collect(Collectors.joining(", "));
        table.add(new Table.Row("7 soak time to heal p50", setup, Stats.percentile(heals, 0.50), "s", "etcd election timeout",
                ELECTION_TIMEOUT_SECONDS, "s", heals.length + " heals; p50 by fault: " + perFault));
        table.add(new Table.Row("7 soak time to heal p99", setup, Stats.percentile(heals, 0.99), "s", "etcd election timeout",
                ELECTION_TIMEOUT_SECONDS, "s", String.format(Locale.ROOT, "max %.1f s", heals[heals.length - 1])));
        table.add(new Table.Row("7 soak writes lost", setup, report.writesLost(), "writes", "acknowledged writes", report.writesChecked(),
                "writes", "must be 0"));
        table.add(new Table.Row("7 soak backup gaps", setup, report.backupGaps(), "rounds", "restores checked", rounds, "restores",
                "must be 0: rounds whose latest backup did not restore exactly"));
        if (report.writesLost() > 0 || report.backupGaps() > 0) {
            throw new IllegalStateException("the chaos soak lost " + report.writesLost() + " acknowledged writes and had "
                    + report.backupGaps() + " backup gaps; the rounds:\n"
                    + report.rounds().stream().filter(r -> !r.passed()).map(Object::toString).collect(Collectors.joining("\n")));
        }
    }

    /** The median time to heal of the rounds of {@code fault}, as text. */
    private static String median(SoakReport report, Fault fault) {
        double[] heals = report.rounds().stream().filter(r -> r.fault() == fault).flatMap(r -> r.heals().stream())
                .mapToDouble(d -> d.toNanos() / 1e9).sorted().toArray();
        return heals.length == 0 ? "n/a" : String.format(Locale.ROOT, "%.1f s", Stats.percentile(heals, 0.5));
    }

    /** The faults named in {@code list} (comma-separated {@link Fault} names, any case); empty for none. */
    static Set<Fault> faults(String list) {
        Set<Fault> faults = EnumSet.noneOf(Fault.class);
        Arrays.stream(list.split(",")).map(String::strip).filter(s -> !s.isEmpty())
                .forEach(name -> faults.add(Fault.valueOf(name.toUpperCase(Locale.ROOT))));
        return faults;
    }
}
