package io.etcdbackup.bench;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Kubernetes-like data: keys {@code /registry/<resource>/<namespace>/<name>}, values of 0.5-8 KiB
 * (log-uniform), about 60 % JSON manifests (compressible) and 40 % random bytes (like
 * protobuf-encoded or encrypted objects).
 */
final class Workload {

    private static final String[] RESOURCES = {"pods", "configmaps", "secrets", "events", "deployments", "services",
            "leases", "endpointslices", "replicasets", "serviceaccounts"};
    private static final int NAMESPACES = 40;
    private static final int MAX_IN_FLIGHT = 128;

    private final SplittableRandom random;

    Workload(long seed) {
        this.random = new SplittableRandom(seed);
    }

    /** The i-th key; the same index always names the same key, so updates hit existing keys. */
    static String key(int i) {
        String resource = RESOURCES[i % RESOURCES.length];
        int namespace = (i / RESOURCES.length) % NAMESPACES;
        return "/registry/" + resource + "/ns-" + namespace + "/" + resource.substring(0, resource.length() - 1) + "-"
                + Integer.toHexString(Integer.reverse(i) ^ 0x5bd1e995);
    }

    /** A fresh value: 512 B to 8 KiB. */
    byte[] value(int i) {
        int size = (int) (512 * Math.pow(16, random.nextDouble()));
        if (random.nextInt(10) < 6) {
            return json(i, size);
        }
        byte[] bytes = new byte[size];
        random.nextBytes(bytes);
        return bytes;
    }

    private byte[] json(int i, int size) {
        StringBuilder s = new StringBuilder(size + 128);
        String name = key(i).substring(key(i).lastIndexOf('/') + 1);
        s.append("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"").append(name)
                .append("\",\"namespace\":\"ns-").append((i / RESOURCES.length) % NAMESPACES)
                .append("\",\"uid\":\"").append(hex(8)).append('-').append(hex(4)).append('-').append(hex(4)).append('-').append(hex(12))
                .append("\",\"resourceVersion\":\"").append(random.nextInt(1_000_000_000))
                .append("\",\"creationTimestamp\":\"2026-11-").append(10 + random.nextInt(18)).append("T0")
                .append(random.nextInt(10)).append(":1").append(random.nextInt(10)).append(":0").append(random.nextInt(10))
                .append("Z\",\"labels\":{\"app\":\"app-").append(random.nextInt(200)).append("\",\"pod-template-hash\":\"")
                .append(hex(10)).append("\"}},\"spec\":{\"nodeName\":\"node-").append(random.nextInt(100))
                .append("\",\"containers\":[{\"name\":\"main\",\"image\":\"registry.example.com/team/app-").append(random.nextInt(200))
                .append(":v1.").append(random.nextInt(30)).append('.').append(random.nextInt(10))
                .append("\",\"resources\":{\"requests\":{\"cpu\":\"100m\",\"memory\":\"128Mi\"}},\"env\":[");
        int n = 0;
        while (s.length() < size - 40) {
            if (n > 0) {
                s.append(',');
            }
            s.append("{\"name\":\"CONFIG_VAR_").append(n).append("\",\"value\":\"").append(hex(8 + random.nextInt(16))).append("\"}");
            n++;
        }
        s.append("]}]},\"status\":{\"phase\":\"Running\"}}");
        return s.toString().getBytes(StandardCharsets.UTF_8);
    }

    private String hex(int digits) {
        char[] c = new char[digits];
        for (int k = 0; k < digits; k++) {
            c[k] = Character.forDigit(random.nextInt(16), 16);
        }
        return new String(c);
    }

    /** Puts fresh values under keys 0.. until the database is at least {@code targetBytes}; returns the key count. */
    int loadUntil(Client client, URI endpoint, long targetBytes) throws Exception {
        int i = 0;
        long maxKeys = targetBytes / 256; // bound: even 256-byte values would have got there
        while (i < maxKeys) {
            putMany(client.getKVClient(), i, 5000, Integer.MAX_VALUE);
            i += 5000;
            if (dbSize(client, endpoint) >= targetBytes) {
                return i;
            }
        }
        throw new IllegalStateException("database did not reach " + targetBytes + " bytes after " + i + " puts");
    }

    /** Puts {@code count} fresh values, as fast as etcd takes them, over keys {@code from..} modulo {@code keySpace}. */
    void putMany(KV kv, int from, int count, int keySpace) throws Exception {
        Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int k = 0; k < count && failure.get() == null; k++) {
            int index = (from + k) % keySpace;
            inFlight.acquire();
            kv.put(bytes(key(index)), ByteSequence.from(value(index))).whenComplete((r, e) -> {
                if (e != null) {
                    failure.compareAndSet(null, e);
                }
                inFlight.release();
            });
        }
        if (!inFlight.tryAcquire(MAX_IN_FLIGHT, 120, TimeUnit.SECONDS)) {
            throw new IllegalStateException("puts did not complete within 120 s");
        }
        if (failure.get() != null) {
            throw new IllegalStateException("put failed", failure.get());
        }
    }

    static long dbSize(Client client, URI endpoint) throws Exception {
        return client.getMaintenanceClient().statusMember(endpoint.toString()).get(30, TimeUnit.SECONDS).getDbSize();
    }

    static long revision(Client client, URI endpoint) throws Exception {
        return client.getMaintenanceClient().statusMember(endpoint.toString()).get(30, TimeUnit.SECONDS).getHeader().getRevision();
    }

    static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    /** Acknowledged writes of a steady load: revision and the moment etcd's answer arrived. */
    static final class Acks {
        final long[] revisions;
        final long[] ackNanos;
        final AtomicInteger count = new AtomicInteger();
        final AtomicInteger failures = new AtomicInteger();
        volatile long sendEndNanos;
        volatile long sendStartNanos;

        Acks(int capacity) {
            revisions = new long[capacity];
            ackNanos = new long[capacity];
        }

        int size() {
            return count.get();
        }

        long maxRevision() {
            return Arrays.stream(revisions, 0, size()).max().orElse(0);
        }

        /** Writes acknowledged per second over the sending period. */
        double achievedRate() {
            return size() / ((sendEndNanos - sendStartNanos) / 1e9);
        }
    }

    /**
     * Writes at {@code rate} per second for {@code duration} (or until {@code stop} is set),
     * recording each acknowledgement. Values come from a pool of pre-generated values so that the
     * generator does not limit the rate.
     */
    static Acks steady(KV kv, int rate, Duration duration, int keySpace, long seed, java.util.function.BooleanSupplier stop)
            throws Exception {
        Workload pool = new Workload(seed);
        ByteSequence[] values = new ByteSequence[512];
        for (int k = 0; k < values.length; k++) {
            values[k] = ByteSequence.from(pool.value(k));
        }
        long total = rate * duration.toSeconds();
        Acks acks = new Acks((int) total);
        Semaphore inFlight = new Semaphore(1024);
        long period = 1_000_000_000L / rate;
        long start = System.nanoTime();
        acks.sendStartNanos = start;
        long sent = 0;
        while (sent < total && !stop.getAsBoolean()) {
            long due = start + sent * period;
            long now = System.nanoTime();
            if (now < due) {
                LockSupport.parkNanos(Math.min(due - now, 1_000_000));
                continue;
            }
            if (!inFlight.tryAcquire(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("etcd stopped answering: 1024 writes in flight for 10 s");
            }
            int index = (int) (sent % keySpace);
            kv.put(bytes(key(index)), values[(int) (sent % values.length)]).whenComplete((r, e) -> {
                long at = System.nanoTime();
                if (e == null) {
                    int slot = acks.count.getAndIncrement();
                    acks.revisions[slot] = r.getHeader().getRevision();
                    acks.ackNanos[slot] = at;
                } else {
                    acks.failures.incrementAndGet();
                }
                inFlight.release();
            });
            sent++;
        }
        acks.sendEndNanos = System.nanoTime();
        inFlight.tryAcquire(1024, 60, TimeUnit.SECONDS);
        return acks;
    }
}
