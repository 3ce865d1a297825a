package io.etcdbackup.snapshot.retention;

import io.etcdbackup.snapshot.catalog.BackupLayout;
import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
import io.etcdbackup.snapshot.catalog.FullSnapshotRef;
import io.etcdbackup.snapshot.catalog.Generation;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Catalogs built in memory: generations written as a sidecar would write them, and decisions applied. */
final class Backups {

    private Backups() {
    }

    static Instant at(String iso) {
        return Instant.parse(iso);
    }

    /** A generation being written, object by object, in revision order. */
    static final class Writer {
        private final String id;
        private final List<FullSnapshotRef> fulls = new ArrayList<>();
        private final List<DeltaSegmentRef> deltas = new ArrayList<>();
        private long revision;

        Writer(String id, long startRevision) {
            this.id = id;
            this.revision = startRevision;
        }

        /** A delta segment of {@code revisions} revisions after the current one, published at {@code at}. */
        Writer delta(Instant at, int revisions) {
            deltas.add(new DeltaSegmentRef(BackupLayout.deltaKey(id, revision + 1, revision + revisions), id, revision + 1,
                    revision + revisions, 1_000, at));
            revision += revisions;
            return this;
        }

        /** A full snapshot at the current revision, taken at {@code at}. */
        Writer full(Instant at) {
            return full(at, revision);
        }

        Writer full(Instant at, long atRevision) {
            fulls.add(new FullSnapshotRef(BackupLayout.fullKey(id, atRevision, at), id, atRevision, at, 100_000));
            return this;
        }

        long revision() {
            return revision;
        }

        Generation build() {
            return new Generation(id, fulls, deltas);
        }
    }

    /**
     * A generation with a full snapshot every {@code fullEvery} and a delta segment of 10
     * revisions every {@code deltaEvery}, from {@code from} (a full) to {@code until} (inclusive).
     * The delta published at a full's time ends exactly at the full's revision.
     */
    static Generation regular(String id, long startRevision, Instant from, Instant until, Duration fullEvery, Duration deltaEvery) {
        Writer w = new Writer(id, startRevision).full(from);
        for (Instant t = from.plus(deltaEvery); !t.isAfter(until); t = t.plus(deltaEvery)) {
            w.delta(t, 10);
            if (Duration.between(from, t).toMillis() % fullEvery.toMillis() == 0) {
                w.full(t);
            }
        }
        return w.build();
    }

    /** Hourly full snapshots with a delta segment every 20 minutes. */
    static Generation hourly(String id, Instant from, Instant until) {
        return regular(id, 1000, from, until, Duration.ofHours(1), Duration.ofMinutes(20));
    }

    /** The generation as it was at {@code now}: only objects created or published by then. */
    static Generation asOf(Generation g, Instant now) {
        return new Generation(g.id(),
                g.fulls().stream().filter(f -> !f.createdAt().isAfter(now)).toList(),
                g.deltas().stream().filter(d -> !d.publishedAt().isAfter(now)).toList());
    }

    /** The catalog after executing a decision. */
    static List<Generation> apply(List<Generation> generations, RetentionDecision decision) {
        Set<String> gone = new HashSet<>(decision.deletedKeys());
        List<Generation> left = new ArrayList<>();
        for (Generation g : generations) {
            if (!decision.deletedGenerations().contains(g.id())) {
                left.add(new Generation(g.id(), g.fulls().stream().filter(f -> !gone.contains(f.key())).toList(),
                        g.deltas().stream().filter(d -> !gone.contains(d.key())).toList()));
            }
        }
        return left;
    }

    static List<Instant> keptFullTimes(RetentionDecision decision) {
        return decision.keptFulls().stream().map(FullSnapshotRef::createdAt).sorted().toList();
    }

    static List<Instant> instants(String... iso) {
        return java.util.Arrays.stream(iso).map(Instant::parse).sorted().toList();
    }

    /** {@code count} instants one hour apart starting at {@code first}. */
    static List<Instant> hoursFrom(String first, int count) {
        List<Instant> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(Instant.parse(first).plus(Duration.ofHours(i)));
        }
        return out;
    }

    @SafeVarargs
    static List<Instant> concat(List<Instant>... parts) {
        List<Instant> all = new ArrayList<>();
        for (List<Instant> p : parts) {
            all.addAll(p);
        }
        return all.stream().sorted().toList();
    }
}
