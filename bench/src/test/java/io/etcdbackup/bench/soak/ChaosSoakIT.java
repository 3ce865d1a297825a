package io.etcdbackup.bench.soak;

import io.etcdbackup.etcdprocess.testing.TestEtcdBinaries;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.EnumSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The short chaos soak (issue 16, item 5): three members, each a pod of etcd, an agent and a data
 * dir, under a steady write load; each round injects a fault, waits for the cluster to heal, and
 * checks that the membership converged with no learner left behind, that every acknowledged
 * write is there, and that the latest backup restores exactly. {@code scripts/bench.sh soak} runs
 * the long one with the same code ({@link ChaosSoak}).
 *
 * <p>The schedule is random but covers every fault once first; {@code -Dsoak.seed=N} replays one.
 * A failure's message ends with the tails of the pods' logs; the work dir (all logs, the store)
 * is kept when a test fails.
 */
class ChaosSoakIT {

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path work;

    private static AgentJar agentJar() {
        Path jar = Path.of(System.getProperty("agent.jar", "../agent/target/etcd-backup-agent.jar"));
        return new AgentJar(jar, Path.of(System.getProperty("java.home"), "bin", "java").toString(), TestEtcdBinaries.provision());
    }

    private static long seed() {
        return Long.getLong("soak.seed", System.nanoTime());
    }

    @Test
    void crashedEtcdsAndAgentsComeBackWithoutLosingAnAcknowledgedWriteOrABackup() throws Exception {
        SoakSettings settings = SoakSettings.defaults(work, agentJar(), TestEtcdBinaries.get(), Lifecycle.STATIC)
                .withFaults(EnumSet.of(Fault.ETCD_CRASH, Fault.AGENT_CRASH)).withRounds(4, seed());

        SoakReport report = soak(settings);

        assertThat(report.count(Fault.ETCD_CRASH)).isPositive();
        assertThat(report.count(Fault.AGENT_CRASH)).isPositive();
    }

    @Test
    void theMemberLifecycleHealsEveryFaultWithoutLosingAnAcknowledgedWriteOrABackup() throws Exception {
        SoakSettings settings = SoakSettings.defaults(work, agentJar(), TestEtcdBinaries.get(), Lifecycle.RECONCILER).withRounds(5, seed());

        SoakReport report = soak(settings);

        for (Fault fault : Fault.values()) {
            assertThat(report.count(fault)).as("rounds of %s", fault).isPositive();
        }
    }

    /** Runs the soak; every round must heal, lose no acknowledged write, and leave a backup that restores exactly. */
    private static SoakReport soak(SoakSettings settings) throws Exception {
        try (ChaosSoak soak = new ChaosSoak(settings)) {
            SoakReport report = soak.run();
            assertThat(report.rounds()).as("rounds run (seed %d)", settings.seed()).hasSize(settings.rounds())
                    .allSatisfy(round -> assertThat(round.passed()).as("%s%n%s", round, soak.logs()).isTrue());
            assertThat(report.writesChecked()).as("acknowledged writes read back").isPositive();
            assertThat(report.writesLost()).as("acknowledged writes lost").isZero();
            assertThat(report.backupGaps()).as("rounds whose latest backup did not restore exactly").isZero();
            return report;
        }
    }
}
