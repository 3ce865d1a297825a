package io.etcdbackup.bench.soak;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What a soak saw, round by round: the fault, how long the cluster took to heal, the
 * acknowledged writes checked and lost, and whether the latest backup restored exactly.
 */
public final class SoakReport {

    /**
     * One round.
     *
     * @param number           from 1
     * @param fault            what it injected
     * @param target           the member it hit ({@code member-N}), or what it scaled
     * @param heals            time to heal: one per disruption (a scale-out and in has two)
     * @param writesChecked    acknowledged writes read back from the live cluster
     * @param writesLost       those not found as acknowledged (must be empty)
     * @param restoredRevision the revision the latest backup restored, -1 when it did not
     * @param backupProblems   why the latest backup did not restore exactly (must be empty)
     */
    public record Round(int number, Fault fault, String target, List<Duration> heals, int writesChecked, List<LostWrite> writesLost,
                        long restoredRevision, List<String> backupProblems) {
        public Round {
            heals = List.copyOf(heals);
            writesLost = List.copyOf(writesLost);
            backupProblems = List.copyOf(backupProblems);
        }

        /** Whether the round lost nothing and its backup restored exactly. */
        public boolean passed() {
            return writesLost.isEmpty() && backupProblems.isEmpty();
        }

        @Override
        public String toString() {
            return "round " + number + ": " + fault.description() + " (" + target + "), healed in "
                    + heals.stream().map(d -> String.format(java.util.Locale.ROOT, "%.1f s", d.toMillis() / 1000.0)).toList()
                    + ", " + writesChecked + " acknowledged writes checked, " + writesLost.size() + " lost"
                    + (writesLost.isEmpty() ? "" : " " + writesLost.subList(0, Math.min(5, writesLost.size()))) + ", latest backup "
                    + (backupProblems.isEmpty() ? "restored exactly at revision " + restoredRevision : "did NOT restore exactly: " + backupProblems);
        }
    }

    private final List<Round> rounds = new ArrayList<>();

    synchronized void add(Round round) {
        rounds.add(round);
    }

    public synchronized List<Round> rounds() {
        return List.copyOf(rounds);
    }

    /** Rounds that injected {@code fault}. */
    public synchronized long count(Fault fault) {
        return rounds.stream().filter(r -> r.fault() == fault).count();
    }

    /** Every time to heal, in seconds, ascending. */
    public synchronized double[] healSeconds() {
        return rounds.stream().flatMap(r -> r.heals().stream()).mapToDouble(d -> d.toNanos() / 1e9).sorted().toArray();
    }

    /** Acknowledged writes the last round read back (every write acknowledged until then). */
    public synchronized int writesChecked() {
        return rounds.isEmpty() ? 0 : rounds.get(rounds.size() - 1).writesChecked();
    }

    /** Acknowledged writes missing from the live cluster at any check (each counted once). */
    public synchronized long writesLost() {
        return rounds.stream().flatMap(r -> r.writesLost().stream()).map(LostWrite::key).distinct().count();
    }

    /** Rounds whose latest backup did not restore exactly. */
    public synchronized long backupGaps() {
        return rounds.stream().filter(r -> !r.backupProblems().isEmpty()).count();
    }
}
