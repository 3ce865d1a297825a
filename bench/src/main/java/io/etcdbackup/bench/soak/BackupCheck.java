package io.etcdbackup.bench.soak;

import io.etcd.jetcd.Client;
import io.etcdbackup.etcdprocess.DirectoryTrees;
import io.etcdbackup.etcdprocess.EtcdBinaries;
import io.etcdbackup.etcdprocess.EtcdProcess;
import io.etcdbackup.stores.testing.Await;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Proves that the latest backup restores exactly: has an agent publish what its leader's agent
 * has buffered ({@code POST /snapshot/delta}, forwarded to the leader's agent), restores the
 * latest state with the CLI ({@code restore --store ... --data-dir ...}) into a scratch dir,
 * starts a single etcd on it, and compares it with the live cluster at the restored revision:
 * every key, value, revision, version and lease, and every acknowledged write up to it.
 */
final class BackupCheck {

    /** What one check found; a backup gap when {@code problems} is not empty. */
    record Verdict(long requiredRevision, long restoredRevision, int keys, Duration took, List<String> problems) {
        boolean restoresExactly() {
            return problems.isEmpty();
        }
    }

    private static final Pattern RESTORED = Pattern.compile("revision=(\\d+)");
    private static final Set<Integer> RETRY = Set.of(502, 503, 504);

    private final Deployment deployment;
    private final ClusterProbe probe;
    private final Path work;

    /** @param work where the restores go (each deleted after a check that passed) */
    BackupCheck(Deployment deployment, ClusterProbe probe, Path work) {
        this.deployment = deployment;
        this.probe = probe;
        this.work = work;
    }

    /**
     * Checks the latest backup after round {@code round}.
     *
     * @param live  a client of the live cluster
     * @param via   the agent asked to publish (a follower's forwards to the leader's)
     * @param acked the writes acknowledged before the check
     */
    Verdict check(int round, Client live, PodAddress via, AckedWrites.Snapshot acked) throws Exception {
        long start = System.nanoTime();
        List<String> problems = new ArrayList<>();
        long required = live.getKVClient().get(AckedWrites.key(0)).get(30, TimeUnit.SECONDS).getHeader().getRevision();
        HttpResponse<String> flushed = publishBuffered(via);
        if (flushed.statusCode() != 200 && flushed.statusCode() != 204) {
            problems.add("POST /snapshot/delta to " + via.name() + "'s agent answered " + flushed.statusCode() + ": " + flushed.body());
            return new Verdict(required, -1, 0, since(start), problems);
        }
        Path dir = work.resolve("round-" + round);
        Path dataDir = dir.resolve("data");
        int[] ports = EtcdProcess.freePorts(2);
        String peer = EtcdProcess.peerUrl(ports[1]);
        AgentJar.Result restore = deployment.jar().run(List.of("restore", "--store", deployment.store(), "--data-dir", dataDir.toString(),
                "--name", "restored", "--initial-cluster", "restored=" + peer, "--initial-advertise-peer-urls", peer,
                "--initial-cluster-token", "restored", "--etcd-bin-dir", deployment.jar().etcdBinDir().toString()),
                dir.resolve("restore.log"), Duration.ofMinutes(30));
        Matcher restored = RESTORED.matcher(restore.stdout());
        if (restore.exitCode() != 0 || !restored.find()) {
            problems.add("the latest backup does not restore (exit " + restore.exitCode() + "): " + restore.stdout() + "\n" + restore.stderrExcerpt());
            return new Verdict(required, -1, 0, since(start), problems);
        }
        long revision = Long.parseLong(restored.group(1));
        if (revision < required) {
            problems.add("the latest backup ends at revision " + revision + ", behind revision " + required
                    + " that the cluster had before its agents published what they had buffered");
        }
        int keys = compare(deployment.binaries(), dataDir, ports, peer, live, revision, acked, problems);
        if (problems.isEmpty()) {
            DirectoryTrees.delete(dir);
        }
        return new Verdict(required, revision, keys, since(start), problems);
    }

    /** Asks {@code via}'s agent to publish, retrying while leadership changes or capture (re)starts (502, 503, 504, no answer). */
    private HttpResponse<String> publishBuffered(PodAddress via) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(via.agentUrl() + "/snapshot/delta")).timeout(Duration.ofSeconds(120))
                .POST(HttpRequest.BodyPublishers.noBody()).build();
        return Await.await(via.name() + "'s agent to publish the buffered deltas", Duration.ofMinutes(3), () -> probe.send(request),
                response -> response != null && !RETRY.contains(response.statusCode()));
    }

    /** Starts etcd on the restored data dir and compares it with the live cluster at {@code revision}; returns the keys compared. */
    private static int compare(EtcdBinaries binaries, Path dataDir, int[] ports, String peer, Client live, long revision,
                               AckedWrites.Snapshot acked, List<String> problems) throws Exception {
        EtcdProcess etcd = EtcdProcess.start(new EtcdProcess.Spec(binaries, "restored", dataDir, ports[0], ports[1], "restored=" + peer,
                "new", "restored", List.of("--heartbeat-interval=10", "--election-timeout=100"), dataDir.resolveSibling("etcd.log")));
        try (Client client = Client.builder().endpoints(etcd.clientUrl().toString()).build()) {
            etcd.awaitHealthy(Duration.ofSeconds(60));
            Keyspace restored = Keyspace.read(client, 0);
            Keyspace source = Keyspace.read(live, revision);
            if (restored.revision() != revision) {
                problems.add("the restored etcd is at revision " + restored.revision() + ", the restore said " + revision);
            }
            if (!restored.keys().equals(source.keys())) {
                problems.add("the restore differs from the live cluster at revision " + revision + ": " + differences(source, restored));
            }
            List<LostWrite> lost = acked.missingFrom(restored);
            if (!lost.isEmpty()) {
                problems.add(lost.size() + " acknowledged writes missing from the restore, e.g. " + lost.subList(0, Math.min(5, lost.size())));
            }
            return restored.keys().size();
        } finally {
            etcd.kill();
        }
    }

    /** Up to 5 keys that differ, each with both states. */
    private static String differences(Keyspace source, Keyspace restored) {
        Set<String> keys = new TreeSet<>(source.keys().keySet());
        keys.addAll(restored.keys().keySet());
        List<String> differing = new ArrayList<>();
        for (String key : keys) {
            Keyspace.KeyState expected = source.keys().get(key);
            Keyspace.KeyState actual = restored.keys().get(key);
            if (!Objects.equals(expected, actual)) {
                differing.add(key + ": live " + expected + ", restored " + actual);
            }
        }
        return differing.size() + " keys, e.g. " + differing.subList(0, Math.min(5, differing.size()))
                + " (live " + source.keys().size() + " keys, restored " + restored.keys().size() + ")";
    }

    private static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }
}
