package io.etcdbackup.agent.it;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.LeaseOption;
import io.etcd.jetcd.options.PutOption;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static io.etcdbackup.stores.testing.Await.await;

/**
 * A mixed, Kubernetes-shaped workload: creates, overwrites, deletes, multi-key transactions,
 * range deletes, keys on a long lease and on a short lease that expires, and one compaction.
 */
final class Workload {

    /** The short leases granted through each client, so that tests can wait for their revocation. */
    private static final Map<Client, Set<Long>> SHORT_LEASES = Collections.synchronizedMap(new WeakHashMap<>());

    private final Client client;
    private final Random random;
    private final List<String> live = new ArrayList<>();

    Workload(Client client, long seed) {
        this.client = client;
        this.random = new Random(seed);
    }

    /**
     * Size of the values of {@link #putIncompressible}: 16 of them, a page of {@link Keyspace},
     * stay within gRPC's 4 MiB message limit.
     */
    static final int INCOMPRESSIBLE_VALUE_BYTES = 200 * 1024;

    /**
     * Puts {@code count} random (incompressible) values of {@link #INCOMPRESSIBLE_VALUE_BYTES}
     * under {@code prefix} (keys {@code prefix0}, {@code prefix1}, ...): data whose snapshots take
     * time to copy and room to store.
     */
    static void putIncompressible(Client client, String prefix, int count, long seed) throws Exception {
        Random random = new Random(seed);
        for (int i = 0; i < count; i++) {
            byte[] value = new byte[INCOMPRESSIBLE_VALUE_BYTES];
            random.nextBytes(value);
            client.getKVClient().put(bytes(prefix + i), ByteSequence.from(value)).get();
        }
    }

    static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    private ByteSequence value() {
        if (random.nextInt(4) == 0) {
            byte[] raw = new byte[512 + random.nextInt(2048)];
            random.nextBytes(raw);
            return ByteSequence.from(raw);
        }
        StringBuilder json = new StringBuilder("{\"kind\":\"Pod\",\"metadata\":{\"labels\":{");
        int labels = 5 + random.nextInt(40);
        for (int i = 0; i < labels; i++) {
            json.append("\"label-").append(i).append("\":\"value-").append(random.nextInt(1000)).append("\",");
        }
        return bytes(json.append("\"x\":\"y\"}}}").toString());
    }

    private String key() {
        return "/registry/pods/ns-" + random.nextInt(5) + "/pod-" + random.nextInt(400);
    }

    /** Runs {@code operations} operations; compacts once, halfway. */
    void run(int operations) throws Exception {
        run(operations, true);
    }

    /** Runs {@code operations} operations, compacting once halfway if asked. */
    void run(int operations, boolean compactHalfway) throws Exception {
        long longLease = client.getLeaseClient().grant(600).get().getID();
        long shortLease = client.getLeaseClient().grant(2).get().getID();
        SHORT_LEASES.computeIfAbsent(client, c -> ConcurrentHashMap.newKeySet()).add(shortLease);
        for (int i = 0; i < 3; i++) {
            client.getKVClient().put(bytes("/registry/leases/short-" + i), value(), PutOption.builder().withLeaseId(shortLease).build()).get();
        }
        for (int i = 0; i < operations; i++) {
            int choice = random.nextInt(10);
            switch (choice) {
                case 0, 1, 2, 3 -> {
                    String key = key();
                    client.getKVClient().put(bytes(key), value()).get();
                    live.add(key);
                }
                case 4 -> {
                    if (!live.isEmpty()) {
                        client.getKVClient().delete(bytes(live.remove(random.nextInt(live.size())))).get();
                    }
                }
                case 5 -> {
                    List<Op> ops = new ArrayList<>();
                    java.util.Set<String> keys = new java.util.HashSet<>();
                    while (keys.size() < 10) {
                        keys.add("/registry/configmaps/txn-" + random.nextInt(200));
                    }
                    for (String key : keys) {
                        ops.add(Op.put(bytes(key), value(), PutOption.DEFAULT));
                    }
                    ops.add(Op.delete(bytes("/registry/configmaps/absent-" + i), DeleteOption.DEFAULT));
                    client.getKVClient().txn().Then(ops.toArray(Op[]::new)).commit().get();
                }
                case 6 -> client.getKVClient().put(bytes("/registry/leases/long-" + random.nextInt(20)), value(),
                        PutOption.builder().withLeaseId(longLease).build()).get();
                case 7 -> {
                    for (int e = 0; e < 5; e++) {
                        client.getKVClient().put(bytes("/registry/events/ev-" + i + "-" + e), value()).get();
                    }
                }
                case 8 -> client.getKVClient().delete(bytes("/registry/events/"),
                        DeleteOption.builder().isPrefix(true).build()).get();
                default -> client.getKVClient().put(bytes("/registry/nodes/node-" + random.nextInt(10)), value()).get();
            }
            if (compactHalfway && i == operations / 2) {
                long revision = client.getKVClient().get(bytes("/")).get().getHeader().getRevision();
                client.getKVClient().compact(revision).get();
            }
        }
    }

    /**
     * Waits until etcd has revoked every short lease granted through {@code client} (so their keys'
     * deletions are revisions already): expiry is checked every 500 ms and the revocation still has
     * to be committed, so a sleep of the TTL is not enough on a loaded machine.
     */
    static void awaitShortLeasesRevoked(Client client) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60); // for all of them together
        for (long lease : SHORT_LEASES.getOrDefault(client, Set.of())) {
            Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
            await("short lease " + lease + " revoked", left, () -> client.getLeaseClient().timeToLive(lease, LeaseOption.DEFAULT).get().getTTL(),
                    ttl -> ttl == -1);
        }
    }
}
