package io.etcdbackup.bench;

import io.etcd.jetcd.Client;
import io.etcdbackup.etcdprocess.DirectoryTrees;
import io.etcdbackup.etcdprocess.EtcdProcess;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.ObjectStores;
import io.etcdbackup.stores.StoreContext;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Rows 3: the recovery point, from etcd's acknowledgement of a write to its revision being durable
 * in the store (polled every 20 ms), as p50, p99 and max beside the delta period, for delta
 * periods of 20 s and 1 s at 500 and 2,000 writes/s on the local store, and for 1 s at 2,000
 * writes/s on S3Proxy. Starts its own etcd.
 */
final class RecoveryPointScenario {

    private final Mode mode;
    private final Harness harness;
    private final Table table;

    RecoveryPointScenario(Mode mode, Harness harness, Table table) {
        this.mode = mode;
        this.harness = harness;
        this.table = table;
    }

    void run() throws Exception {
        Harness.step("3. recovery point: ack by etcd -> revision durable in the store (local store polled every 20 ms)");
        Path dir = harness.work().resolve("etcd-rp/data");
        EtcdProcess etcd = EtcdProcess.start(EtcdProcess.Spec.singleMember(harness.binaries(), "rp", dir,
                List.of("--heartbeat-interval=10", "--election-timeout=100")));
        try (Client client = Client.builder().endpoints(etcd.clientUrl()).build()) {
            etcd.awaitHealthy(Duration.ofSeconds(30));
            int keySpace = 2000;
            new Workload(5).putMany(client.getKVClient(), 0, keySpace, keySpace);
            for (Duration period : List.of(Duration.ofSeconds(20), Duration.ofSeconds(1))) {
                for (int rate : new int[] {500, 2000}) {
                    Duration load = period.toSeconds() >= 20 ? mode.rpLoadSlow() : mode.rpLoadFast();
                    Path storeDir = harness.work().resolve("store-rp-" + period.toSeconds() + "-" + rate);
                    measure(client, etcd, period, rate, load, keySpace, "file://" + storeDir, Map.of(), "local store");
                    DirectoryTrees.delete(storeDir);
                }
            }
            // The goal's case on an object store: 2,000 writes/s, a 1 s period, S3Proxy on loopback.
            try (S3Server s3 = S3Server.start(Files.createDirectories(harness.work().resolve("s3-rp")))) {
                measure(client, etcd, Duration.ofSeconds(1), 2000, mode.rpLoadFast(), keySpace, s3.storeUrl("rp"), S3Server.env(), "S3Proxy");
            }
        } finally {
            etcd.stop();
        }
    }

    private void measure(Client client, EtcdProcess etcd, Duration period, int rate, Duration load, int keySpace, String storeUrl,
                         Map<String, String> env, String storeName) throws Exception {
        ObjectStore store = ObjectStores.open(storeUrl, new StoreContext(env));
        Child server = harness.startAgent(List.of(), env, List.of("server", "--server-port", "0", "--endpoints", etcd.clientUrl().toString(),
                "--store", storeUrl, "--delta-period", period.toSeconds() + "s", "--full-schedule", ""),
                "server-rp-" + period.toSeconds() + "s-" + rate + "-" + storeName.replace(' ', '-'));
        List<long[]> polls = new ArrayList<>(); // {nanoTime, highest durable revision}
        AtomicBoolean polling = new AtomicBoolean(true);
        Workload.Acks acks;
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (StoreScan.count(store, "/full/") == 0) {
                if (System.nanoTime() > deadline || !server.isAlive()) {
                    throw new IllegalStateException("server published no full snapshot within 60 s\n" + server.tailOfStderr());
                }
                Thread.sleep(50);
            }
            Thread poller = new Thread(() -> {
                long high = 0;
                while (polling.get()) {
                    try {
                        long h = StoreScan.highestDelta(store);
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
            store.close();
        }
        int n = acks.size();
        long[] pollTimes;
        long[] pollRevs;
        synchronized (polls) {
            pollTimes = polls.stream().mapToLong(p -> p[0]).toArray();
            pollRevs = polls.stream().mapToLong(p -> p[1]).toArray();
        }
        double[] sorted = Stats.durabilityLags(pollTimes, pollRevs, acks.revisions, acks.ackNanos, n);
        int durable = sorted.length;
        String setup = String.format(Locale.ROOT, "%s, period %ds, %d writes/s target (%.0f achieved), %d s load", storeName, period.toSeconds(),
                rate, acks.achievedRate(), load.toSeconds());
        if (durable == 0) {
            table.unmeasured("3 recovery point " + setup + ": no acknowledged write became durable within period + 30 s");
            return;
        }
        Arrays.sort(sorted);
        String note = durable == n ? n + " writes, all durable" : durable + " of " + n + " writes durable within period + 30 s";
        double p = period.toMillis() / 1000.0;
        table.add(new Table.Row("3 recovery point p50", setup, Stats.percentile(sorted, 0.50), "s", "delta period", p, "s", note));
        table.add(new Table.Row("3 recovery point p99", setup, Stats.percentile(sorted, 0.99), "s", "delta period", p, "s", ""));
        table.add(new Table.Row("3 recovery point max", setup, sorted[sorted.length - 1], "s", "delta period", p, "s", ""));
    }
}
