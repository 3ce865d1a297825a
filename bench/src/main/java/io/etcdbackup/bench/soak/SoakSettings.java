package io.etcdbackup.bench.soak;

import io.etcdbackup.etcdprocess.EtcdBinaries;

import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * What a soak runs: where, with which agent and etcd, started how ({@link Lifecycle}), which
 * faults for how many rounds (the schedule from {@code seed}), the write load, how long the
 * cluster may take to heal, the agents' extra flags, and whether to stop at the first round
 * that lost a write or whose backup did not restore exactly (a test) or count them and go on
 * (the bench).
 *
 * @param serverFlags {@code server} flags beyond the ones every pod gets: schedules, retention, tuning (e.g. {@code --full-schedule ""})
 * @param progress       where a line per step and per round goes
 */
public record SoakSettings(Path work, AgentJar jar, EtcdBinaries binaries, Lifecycle lifecycle, Set<Fault> faults, int rounds, long seed,
                           int writesPerSecond, Duration healWithin, List<String> serverFlags, boolean stopAtFirstProblem,
                           Consumer<String> progress) {

    public SoakSettings {
        faults = faults.isEmpty() ? EnumSet.noneOf(Fault.class) : EnumSet.copyOf(faults);
        serverFlags = List.copyOf(serverFlags);
        Set<Fault> unhealable = EnumSet.copyOf(faults);
        unhealable.removeAll(lifecycle.heals());
        if (!unhealable.isEmpty()) {
            throw new IllegalArgumentException("a cluster started " + lifecycle + " cannot heal from " + unhealable
                    + "; it heals from " + lifecycle.heals());
        }
        if (faults.isEmpty() || rounds < 1 || writesPerSecond < 1) {
            throw new IllegalArgumentException("a soak needs faults, rounds and writes: " + faults + ", " + rounds + ", " + writesPerSecond);
        }
    }

    /**
     * Every fault {@code lifecycle} heals from, 4 rounds, 50 writes/s, 3 minutes to heal, no
     * scheduled full snapshot or retention, stop at the first problem, progress on stdout.
     */
    public static SoakSettings defaults(Path work, AgentJar jar, EtcdBinaries binaries, Lifecycle lifecycle) {
        return new SoakSettings(work, jar, binaries, lifecycle, lifecycle.heals(), 4, System.nanoTime(), 50, Duration.ofMinutes(3),
                List.of("--full-schedule", "", "--gc-period", "0s"), true, System.out::println);
    }

    public SoakSettings withFaults(Set<Fault> only) {
        return new SoakSettings(work, jar, binaries, lifecycle, only, rounds, seed, writesPerSecond, healWithin, serverFlags,
                stopAtFirstProblem, progress);
    }

    public SoakSettings withRounds(int count, long scheduleSeed) {
        return new SoakSettings(work, jar, binaries, lifecycle, faults, count, scheduleSeed, writesPerSecond, healWithin, serverFlags,
                stopAtFirstProblem, progress);
    }

    public SoakSettings withLoad(int perSecond) {
        return new SoakSettings(work, jar, binaries, lifecycle, faults, rounds, seed, perSecond, healWithin, serverFlags,
                stopAtFirstProblem, progress);
    }

    public SoakSettings withServerFlags(List<String> flags) {
        return new SoakSettings(work, jar, binaries, lifecycle, faults, rounds, seed, writesPerSecond, healWithin, flags,
                stopAtFirstProblem, progress);
    }

    /** Counts rounds that lost writes or whose backup did not restore exactly, and goes on. */
    public SoakSettings countingProblems() {
        return new SoakSettings(work, jar, binaries, lifecycle, faults, rounds, seed, writesPerSecond, healWithin, serverFlags,
                false, progress);
    }
}
