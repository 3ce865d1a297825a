package io.etcdbackup.bench.soak;

import io.etcd.jetcd.ByteSequence;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Every write etcd acknowledged, and the revision it acknowledged it at. Each write puts its own
 * key ({@code /soak/acked/<seq>}, never written again) with a value derived from its sequence
 * number, so that only the revisions need keeping and a write is present exactly when its key
 * holds that value at that revision.
 */
final class AckedWrites {

    static final String PREFIX = "/soak/acked/";

    private long[] sequences = new long[1024];
    private long[] revisions = new long[1024];
    private int size;

    static ByteSequence key(long sequence) {
        return ByteSequence.from(String.format("%s%012d", PREFIX, sequence), StandardCharsets.UTF_8);
    }

    /** 64 to 320 bytes, the same for the same sequence number. */
    static ByteSequence value(long sequence) {
        Random random = new Random(sequence * 0x9E3779B97F4A7C15L);
        byte[] bytes = new byte[64 + random.nextInt(257)];
        random.nextBytes(bytes);
        return ByteSequence.from(bytes);
    }

    synchronized void acknowledged(long sequence, long revision) {
        if (size == sequences.length) {
            sequences = Arrays.copyOf(sequences, size * 2);
            revisions = Arrays.copyOf(revisions, size * 2);
        }
        sequences[size] = sequence;
        revisions[size] = revision;
        size++;
    }

    /** A consistent copy: the writes acknowledged so far. */
    synchronized Snapshot snapshot() {
        return new Snapshot(Arrays.copyOf(sequences, size), Arrays.copyOf(revisions, size));
    }

    /** The writes acknowledged up to one moment, in the order they were acknowledged. */
    record Snapshot(long[] sequences, long[] revisions) {
        int size() {
            return sequences.length;
        }

        long highestRevision() {
            return Arrays.stream(revisions).max().orElse(0);
        }

        /**
         * The acknowledged writes up to {@code keyspace}'s revision that it does not hold: key
         * absent, another value, or another revision. Empty when none is lost.
         */
        List<LostWrite> missingFrom(Keyspace keyspace) {
            List<LostWrite> missing = new ArrayList<>();
            for (int i = 0; i < sequences.length; i++) {
                if (revisions[i] > keyspace.revision()) {
                    continue;
                }
                String key = key(sequences[i]).toString();
                Keyspace.KeyState state = keyspace.keys().get(key);
                if (state == null) {
                    missing.add(new LostWrite(key, revisions[i], "absent"));
                } else if (state.modRevision() != revisions[i] || !state.valueSha256().equals(Keyspace.sha256(value(sequences[i])))) {
                    missing.add(new LostWrite(key, revisions[i], "holds another write: " + state));
                }
            }
            return missing;
        }
    }
}
