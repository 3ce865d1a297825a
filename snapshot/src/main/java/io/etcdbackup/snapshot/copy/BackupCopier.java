package io.etcdbackup.snapshot.copy;

import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
import io.etcdbackup.snapshot.catalog.FullSnapshotRef;
import io.etcdbackup.snapshot.catalog.Generation;
import io.etcdbackup.snapshot.catalog.GenerationInfo;
import io.etcdbackup.snapshot.format.ObjectHeader;
import io.etcdbackup.snapshot.format.ObjectPublisher;
import io.etcdbackup.snapshot.format.SnapshotObjectReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Copies backups from one store's catalog into another's (any provider to any, across encryption
 * keys), as etcd-druid's copy job and a second site need.
 *
 * <p>Contract:
 * <ul>
 *   <li><b>What.</b> The newest {@link Selection#maxFullSnapshots()} full snapshots no older than
 *   {@link Selection#maxAge()}, each generation's from its oldest selected full snapshot on, with
 *   every delta segment after it: each selected full snapshot is a restorable backup in the target.</li>
 *   <li><b>Verified.</b> Each object is read from the source (decrypted with the source's keys) and
 *   checked end to end before it is published in the target (encrypted with the target's newest key,
 *   if any); the published object is then read back and checked.</li>
 *   <li><b>Restorable at every moment.</b> An object is indexed in the target's catalog only after it
 *   is complete there, a generation's full snapshots before its segments, segments in revision
 *   order: a copy stopped at any point leaves a target whose index names complete objects only.</li>
 *   <li><b>Idempotent and resumable.</b> What the target's index already holds is skipped unread;
 *   an object already in the target but not indexed (a copy killed in between) is verified and
 *   indexed. A rerun copies only what is missing.</li>
 * </ul>
 */
public final class BackupCopier {

    private static final Logger LOG = LoggerFactory.getLogger(BackupCopier.class);

    /**
     * Which backups to copy.
     *
     * @param maxFullSnapshots the newest this many full snapshots (and what follows them); empty for all
     * @param maxAge           only full snapshots taken within this long before now; empty for any age
     */
    public record Selection(Optional<Integer> maxFullSnapshots, Optional<Duration> maxAge) {
        /** Everything. */
        public static Selection all() {
            return new Selection(Optional.empty(), Optional.empty());
        }
    }

    /** What a copy did: objects written, objects found already in the target, bytes written, generations touched. */
    public record Result(int copied, int alreadyThere, long bytesWritten, int generations) {
    }

    private final Catalog source;
    private final Catalog target;
    private final ObjectPublisher publisher;
    private final int parallelism;
    private final Clock clock;

    /**
     * @param source      where backups are read (with its encryption keys)
     * @param target      a writable catalog where they are copied (with its encryption keys)
     * @param parallelism objects copied at the same time, at least 1
     */
    public BackupCopier(Catalog source, Catalog target, int parallelism, Clock clock) {
        if (parallelism < 1) {
            throw new IllegalArgumentException("parallelism must be at least 1, got " + parallelism);
        }
        target.writer().orElseThrow(() -> new IllegalArgumentException("copying needs a writable target catalog"));
        this.source = source;
        this.target = target;
        this.publisher = new ObjectPublisher(target.store(), target.encryption());
        this.parallelism = parallelism;
        this.clock = clock;
    }

    /** Copies what {@code selection} names and is missing from the target. */
    public Result copy(Selection selection) throws IOException, InterruptedException {
        List<Generation> chosen = CopySelection.choose(source.generations(), selection, clock.instant());
        Set<String> indexed = new HashSet<>();
        Set<String> targetGenerations = new HashSet<>();
        for (Generation generation : target.generations()) {
            targetGenerations.add(generation.id());
            generation.fulls().forEach(f -> indexed.add(f.key()));
            generation.deltas().forEach(d -> indexed.add(d.key()));
        }
        AtomicLong bytes = new AtomicLong();
        int copied = 0;
        int there = 0;
        ExecutorService pool = Executors.newFixedThreadPool(parallelism, runnable -> {
            Thread thread = new Thread(runnable, "backup-copy");
            thread.setDaemon(true);
            return thread;
        });
        try {
            for (Generation generation : chosen) {
                if (!targetGenerations.contains(generation.id())) {
                    Optional<GenerationInfo> info = source.generationInfo(generation.id());
                    target.recordGeneration(info.orElseGet(() -> new GenerationInfo(generation.id(), "copied without a generation record",
                            generation.fulls().isEmpty() ? clock.instant() : generation.fulls().get(0).createdAt(), 0, 0, null)));
                }
                // Each full snapshot is indexed as soon as it is in place (one alone is restorable), so a
                // copy stopped while it writes a large one keeps those before it.
                List<FullSnapshotRef> fulls = generation.fulls().stream().filter(f -> !indexed.contains(f.key())).toList();
                for (Copied<FullSnapshotRef> done : run(pool, fulls, FullSnapshotRef::key, bytes, (full, size) ->
                        new FullSnapshotRef(full.key(), full.generation(), full.revision(), full.createdAt(), size),
                        each -> target.recordFull(each.ref()))) {
                    copied += done.written() ? 1 : 0;
                    there += done.written() ? 0 : 1;
                }
                List<DeltaSegmentRef> deltas = generation.deltas().stream().filter(d -> !indexed.contains(d.key())).toList();
                for (int from = 0; from < deltas.size(); from += parallelism) {
                    List<DeltaSegmentRef> batch = deltas.subList(from, Math.min(deltas.size(), from + parallelism));
                    List<Copied<DeltaSegmentRef>> done = run(pool, batch, DeltaSegmentRef::key, bytes, (delta, size) ->
                            new DeltaSegmentRef(delta.key(), delta.generation(), delta.firstRevision(), delta.lastRevision(), size,
                                    delta.publishedAt(), delta.level()), each -> { });
                    target.recordDeltas(done.stream().map(Copied::ref).toList());
                    copied += (int) done.stream().filter(Copied::written).count();
                    there += (int) done.stream().filter(d -> !d.written()).count();
                }
            }
        } finally {
            pool.shutdownNow();
        }
        Result result = new Result(copied, there, bytes.get(), chosen.size());
        LOG.info("copy finished source={} target={} copied={} already_there={} bytes={} generations={}", source.store().location(),
                target.store().location(), result.copied(), result.alreadyThere(), result.bytesWritten(), result.generations());
        return result;
    }

    private record Copied<R>(R ref, boolean written) {
    }

    private interface WithSize<R> {
        R of(R ref, long size);
    }

    private interface EachDone<R> {
        void index(Copied<R> copied) throws IOException;
    }

    /**
     * Copies the objects of {@code refs} on the pool; hands each, in order, to {@code eachDone} as
     * soon as it and those before it are done; returns them all, with their size in the target.
     */
    private <R> List<Copied<R>> run(ExecutorService pool, List<R> refs, Function<R, String> key, AtomicLong bytes, WithSize<R> withSize,
                                    EachDone<R> eachDone) throws IOException, InterruptedException {
        List<Future<ObjectPublisher.Published>> futures = new ArrayList<>();
        for (R ref : refs) {
            futures.add(pool.submit(() -> copyObject(key.apply(ref), bytes)));
        }
        List<Copied<R>> done = new ArrayList<>();
        for (int i = 0; i < refs.size(); i++) {
            try {
                ObjectPublisher.Published published = futures.get(i).get();
                Copied<R> copied = new Copied<>(withSize.of(refs.get(i), published.size()), published.outcome() == ObjectPublisher.Outcome.WRITTEN);
                eachDone.index(copied);
                done.add(copied);
            } catch (ExecutionException e) {
                futures.forEach(f -> f.cancel(true));
                if (e.getCause() instanceof IOException io) {
                    throw io;
                }
                if (e.getCause() instanceof RuntimeException runtime) {
                    throw runtime;
                }
                throw new IOException(e.getCause());
            }
        }
        return done;
    }

    /** One object: read and checked from the source, published in the target, read back and checked there. */
    private ObjectPublisher.Published copyObject(String key, AtomicLong bytes) throws IOException {
        ObjectPublisher.Published published;
        try (SnapshotObjectReader in = SnapshotObjectReader.open(key, source.store().open(key), source.encryption())) {
            ObjectHeader header = in.header();
            published = publisher.publish(key, header, header.codec().defaultLevel(),
                    ObjectPublisher.IfExists.VERIFY_EXISTING, out -> {
                        in.content().transferTo(out);
                        in.verify(); // a corrupt source object is never published: the target object is aborted
                    });
        }
        if (published.outcome() == ObjectPublisher.Outcome.CONFLICT) {
            throw new IOException("the target already holds a different or corrupt object under " + key + "; left as it is");
        }
        if (published.outcome() == ObjectPublisher.Outcome.WRITTEN) {
            try (SnapshotObjectReader back = SnapshotObjectReader.open(key, target.store().open(key), target.encryption())) {
                back.verify();
            }
            bytes.addAndGet(published.size());
            LOG.debug("object copied key={} bytes={}", key, published.size());
        }
        return published;
    }
}
