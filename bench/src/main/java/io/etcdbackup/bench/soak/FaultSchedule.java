package io.etcdbackup.bench.soak;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Which fault each round injects, and into which founding member: every fault once in a shuffled
 * order first (so that a short soak covers them all), then uniformly at random. The same seed
 * gives the same schedule.
 */
final class FaultSchedule {

    /** One round's fault and the ordinal of the member it hits (unused by a scale-out and in). */
    record Planned(Fault fault, int target) {
    }

    private final Random random;
    private final List<Fault> faults;
    private final Deque<Fault> firstPass;

    FaultSchedule(long seed, Set<Fault> faults) {
        if (faults.isEmpty()) {
            throw new IllegalArgumentException("no faults to inject");
        }
        this.random = new Random(seed);
        this.faults = new ArrayList<>(faults);
        Collections.sort(this.faults);
        List<Fault> shuffled = new ArrayList<>(this.faults);
        Collections.shuffle(shuffled, random);
        this.firstPass = new ArrayDeque<>(shuffled);
    }

    Planned next() {
        Fault fault = firstPass.isEmpty() ? faults.get(random.nextInt(faults.size())) : firstPass.poll();
        return new Planned(fault, random.nextInt(Cluster.FOUNDING_MEMBERS));
    }
}
