package io.etcdbackup.bench.soak;

import io.etcd.jetcd.Client;
import io.etcdbackup.etcdprocess.DirectoryTrees;
import io.etcdbackup.stores.testing.Await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * The chaos soak, as CoreOS tested its etcd operator: three members, each a pod of etcd, our agent
 * and a data dir, all on loopback, with one local store for all agents. Under a steady write load,
 * each round injects a fault ({@link Fault}), waits for the cluster to heal, and checks that
 * <ul>
 *   <li>the membership converged to the desired voters with no learner left behind,</li>
 *   <li>every write etcd acknowledged is in the live cluster, and</li>
 *   <li>the latest backup restores exactly (compared with the live cluster at the restored
 *       revision, and holding every acknowledged write up to it).</li>
 * </ul>
 * The IT runs a few rounds, {@code scripts/bench.sh soak} many. Closing the soak kills every
 * process it started.
 */
public final class ChaosSoak implements AutoCloseable {

    private final SoakSettings settings;
    private final EtcdClients clients = new EtcdClients();
    private final Cluster cluster;
    private final BackupCheck backups;
    private final AckedWrites acked = new AckedWrites();
    private final SoakReport report = new SoakReport();
    private WriteLoad load;

    public ChaosSoak(SoakSettings settings) {
        this.settings = settings;
        Path store = settings.work().resolve("store");
        Deployment deployment = new Deployment(settings.jar(), settings.binaries(), settings.lifecycle(), "file://" + store,
                settings.work(), settings.serverFlags());
        ClusterProbe probe = new ClusterProbe(clients);
        this.cluster = new Cluster(deployment, probe, settings.healWithin());
        this.backups = new BackupCheck(deployment, probe, settings.work().resolve("restores"));
    }

    /** Bootstraps the cluster, starts the load and runs every round; returns what it saw. */
    public SoakReport run() throws Exception {
        say(String.format(Locale.ROOT, "chaos soak: %d rounds of %s, lifecycle %s, %d writes/s, seed %d, work dir %s", settings.rounds(),
                settings.faults(), settings.lifecycle(), settings.writesPerSecond(), settings.seed(), settings.work()));
        long start = System.nanoTime();
        cluster.bootstrap();
        say(String.format(Locale.ROOT, "bootstrapped %s in %.1f s", cluster.desired().stream().map(PodAddress::name).toList(),
                (System.nanoTime() - start) / 1e9));
        Client live = clients.of(cluster.foundingEndpoints());
        load = new WriteLoad(live, acked, settings.writesPerSecond()).start();
        FaultSchedule schedule = new FaultSchedule(settings.seed(), settings.faults());
        FaultInjector injector = new FaultInjector(cluster);
        for (int number = 1; number <= settings.rounds(); number++) {
            FaultSchedule.Planned planned = schedule.next();
            String target = planned.fault() == Fault.SCALE_OUT_AND_IN ? "3 -> " + FaultInjector.SCALED_OUT + " -> 3"
                    : cluster.pod(planned.target()).name();
            say("round " + number + ": " + planned.fault().description() + " (" + target + ")");
            List<Duration> heals = injector.inject(planned.fault(), planned.target());
            SoakReport.Round round = check(number, planned.fault(), target, heals, live);
            report.add(round);
            say(round.toString());
            if (!round.passed() && settings.stopAtFirstProblem()) {
                throw new SoakFailure("round " + number + " failed: " + round, null, cluster.logs());
            }
        }
        return report;
    }

    /** The checks after a round: writes are acknowledged again, none was lost, and the latest backup restores exactly. */
    private SoakReport.Round check(int number, Fault fault, String target, List<Duration> heals, Client live) throws Exception {
        int before = acked.snapshot().size();
        Await.await("the write load to be acknowledged again after round " + number, settings.healWithin(),
                () -> acked.snapshot().size(), size -> size > before);
        AckedWrites.Snapshot writes = acked.snapshot();
        List<LostWrite> lost = writes.missingFrom(Keyspace.read(live, 0));
        PodAddress via = cluster.desired().get(number % cluster.size());
        BackupCheck.Verdict backup = backups.check(number, live, via, acked.snapshot());
        return new SoakReport.Round(number, fault, target, heals, writes.size(), lost, backup.restoredRevision(), backup.problems());
    }

    private void say(String line) {
        settings.progress().accept(line);
    }

    /** The ends of every pod's logs (for a failure the soak did not see itself). */
    public String logs() {
        return cluster.logs();
    }

    @Override
    public void close() throws Exception {
        try {
            if (load != null) {
                load.close();
            }
        } finally {
            try {
                cluster.close();
            } finally {
                clients.close();
            }
        }
    }

    /** Deletes the soak's work dir (pods' volumes, logs, store, restores). */
    public void deleteWork() throws Exception {
        DirectoryTrees.delete(settings.work());
    }
}
