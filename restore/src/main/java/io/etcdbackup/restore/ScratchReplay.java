package io.etcdbackup.restore;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.options.CompactOption;
import io.etcdbackup.snapshot.EtcdBackupException;
import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
import io.etcdbackup.snapshot.catalog.FullSnapshotRef;
import io.etcdbackup.etcdprocess.DirectoryTrees;
import io.etcdbackup.snapshot.etcd.EtcdClients;
import io.etcdbackup.snapshot.etcd.EtcdConnection;
import io.etcdbackup.etcdprocess.EtcdProcess;
import io.etcdbackup.snapshot.format.DeltaEventCodec;
import io.etcdbackup.stores.ObjectStore;
import io.grpc.ManagedChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A chain's deltas replayed into a scratch etcd on loopback, started from the chain's full
 * snapshot, with the segments downloaded ahead in parallel; the result is saved as one snapshot
 * file. {@link Restorer} (restore into a data directory) and {@link SnapshotMaterialiser} (one
 * compact snapshot file, for compaction) share it.
 */
final class ScratchReplay {

    private static final Logger LOG = LoggerFactory.getLogger(ScratchReplay.class);

    private final ObjectStore store;
    private final Restorer.Settings settings;
    private final EtcdTool tool;
    private final RestoreProgress progress;

    ScratchReplay(ObjectStore store, Restorer.Settings settings, EtcdTool tool, RestoreProgress progress) {
        this.store = store;
        this.settings = settings;
        this.tool = tool;
        this.progress = progress;
    }

    record Replayed(long revision, Restorer.ReplayStats stats) {
    }

    /** Downloads the plan's full snapshot into {@code file} (which must not exist), verified by its format. */
    void fetchFull(RestorePlan plan, Path file) throws IOException {
        FullSnapshotRef ref = plan.full();
        plan.format().fetchFull(store, ref, file);
        progress.fetched(ref.size());
        LOG.info("full snapshot fetched key={} revision={} bytes={}", ref.key(), ref.revision(), Files.size(file));
    }

    /**
     * The scratch server runs Go on one scheduler thread: replayed transactions are applied one
     * after the other anyway, and with one thread etcd serves a round of them in the order they
     * came far more often ({@link OrderedTxnPipeline}; measured in docs/performance.md, "Replay").
     */
    private static final Map<String, String> SCRATCH_ENVIRONMENT = Map.of("GOMAXPROCS", "1");

    /** Scratch servers started for one replay at most, when a lease of the base expires before replay begins. */
    static final int REPLAY_ATTEMPTS = 3;

    /**
     * Replays {@code plan} on top of {@code fullFile} in a scratch server under {@code work} and saves
     * the result into {@code replayed}; with {@code compactFirst}, compacts and defragments first.
     */
    Replayed replay(RestorePlan plan, Path fullFile, Path work, Path replayed, boolean compactFirst) throws IOException {
        for (int attempt = 1; ; attempt++) {
            try {
                return replayOnce(plan, fullFile, work, replayed, compactFirst);
            } catch (LeaseExpiredBeforeReplayException e) {
                if (attempt == REPLAY_ATTEMPTS) {
                    throw e;
                }
                LOG.warn("scratch etcd unusable, starting another from the same base attempt={} of={} base_revision={} revision_after={}",
                        attempt + 1, REPLAY_ATTEMPTS, e.baseRevision(), e.revisionAfter(), e);
                DirectoryTrees.delete(work.resolve("scratch.etcd"));
            }
        }
    }

    private Replayed replayOnce(RestorePlan plan, Path fullFile, Path work, Path replayed, boolean compactFirst) throws IOException {
        Path scratchDir = work.resolve("scratch.etcd");
        List<String> flags = new ArrayList<>(List.of(
                "--max-txn-ops=1000000",
                "--max-request-bytes=" + (64 * 1024 * 1024),
                "--quota-backend-bytes=" + (8L * 1024 * 1024 * 1024),
                "--snapshot-count=1000000",
                "--heartbeat-interval=10",
                "--election-timeout=100"));
        if (settings.binaries().supportsUnsafeNoFsync()) {
            flags.add("--unsafe-no-fsync");
        }
        ExecutorService fetchers = Executors.newFixedThreadPool(settings.maxFetchers(), r -> {
            Thread t = new Thread(r, "restore-fetch");
            t.setDaemon(true);
            return t;
        });
        try (EtcdProcess scratch = EtcdProcess.startSingleMember(settings.binaries(), "scratch", scratchDir, flags, SCRATCH_ENVIRONMENT,
                Duration.ofMinutes(5),
                spec -> tool.restore(fullFile, scratchDir, spec.name(), spec.initialCluster(), EtcdProcess.peerUrl(spec.peerPort()),
                        spec.clusterToken(), work.resolve("restore-scratch.log")))) {
            ManagedChannel channel = new EtcdClients(EtcdConnection.plain(List.of(scratch.clientUrl()))).newChannel(scratch.clientUrl());
            long revision;
            Duration replayTook;
            long applied;
            long resent;
            try (DeltaReplayer replayer = new DeltaReplayer(channel, settings.defaultLeaseTtl())) {
                long baseRevision = replayer.revision();
                if (plan.exact() && baseRevision > plan.targetRevision()) {
                    throw new BaseAheadOfTargetException(plan.full().key(), plan.full().revision(), baseRevision, plan.targetRevision());
                }
                LOG.info("replay started base_revision={} target_revision={} segments={}",
                        replayer.revision(), plan.targetRevision(), plan.deltas().size());
                progress.replayStarted(baseRevision);
                long replayStarted = System.nanoTime();
                applied = replayAll(plan, replayer, fetchers);
                replayTook = Duration.ofNanos(System.nanoTime() - replayStarted);
                resent = replayer.resent();
                long finalRevision = replayer.verifiedRevision();
                if (finalRevision != Math.max(plan.targetRevision(), baseRevision)) {
                    throw new RevisionMismatchException("the whole chain", plan.targetRevision(), finalRevision);
                }
                revision = finalRevision;
            } finally {
                channel.shutdownNow();
            }
            Restorer.ReplayStats stats = new Restorer.ReplayStats(applied, replayTook, resent,
                    scratch.walFsyncCount());
            if (compactFirst) {
                compactAndDefragment(scratch.clientUrl(), revision);
            }
            tool.save(scratch.clientUrl(), replayed);
            return new Replayed(revision, stats);
        } finally {
            fetchers.shutdownNow();
        }
    }

    private static void compactAndDefragment(URI endpoint, long revision) throws IOException {
        try (Client client = Client.builder().endpoints(endpoint.toString()).build()) {
            client.getKVClient().compact(revision, CompactOption.newBuilder().withCompactPhysical(true).build())
                    .get(10, TimeUnit.MINUTES);
            client.getMaintenanceClient().defragmentMember(endpoint.toString()).get(30, TimeUnit.MINUTES);
            LOG.info("scratch server compacted and defragmented revision={}", revision);
        } catch (ExecutionException | TimeoutException e) {
            throw new EtcdBackupException("compacting the scratch server at revision " + revision + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while compacting the scratch server", e);
        }
    }

    /** @return the revisions applied */
    private long replayAll(RestorePlan plan, DeltaReplayer replayer, ExecutorService fetchers) throws IOException {
        Deque<CompletableFuture<FetchedSegment>> ahead = new ArrayDeque<>();
        int next = 0;
        long lastLog = System.nanoTime();
        long replayedRevisions = 0;
        for (int done = 0; done < plan.deltas().size(); done++) {
            while (next < plan.deltas().size() && ahead.size() < settings.maxFetchers()) {
                DeltaSegmentRef ref = plan.deltas().get(next++);
                ahead.add(CompletableFuture.supplyAsync(() -> fetchDelta(plan.format(), ref), fetchers));
            }
            FetchedSegment segment;
            try {
                segment = ahead.removeFirst().join();
            } catch (CompletionException e) {
                ahead.forEach(f -> f.cancel(true));
                if (e.getCause() instanceof UncheckedIOException io) {
                    throw io.getCause();
                }
                if (e.getCause() instanceof RuntimeException re) {
                    throw re;
                }
                throw e;
            }
            long before = replayer.revision();
            List<Event> events = segment.segment().events();
            if (segment.ref().lastRevision() > plan.targetRevision()) {
                events = events.stream().filter(e -> DeltaEventCodec.revisionOf(e) <= plan.targetRevision()).toList();
            }
            replayedRevisions += replayer.apply(segment.ref().key(), events, segment.segment().leases());
            // A full snapshot's revision is a lower bound: the base may already hold this whole segment.
            long expected = Math.max(Math.min(segment.ref().lastRevision(), plan.targetRevision()), before);
            if (replayer.revision() != expected) {
                throw new RevisionMismatchException("segment " + segment.ref().key(), expected, replayer.revision());
            }
            progress.replayedUpTo(replayer.revision());
            if (System.nanoTime() - lastLog > 5_000_000_000L || done == plan.deltas().size() - 1) {
                RestoreProgress.Snapshot now = progress.snapshot();
                LOG.info("replay progress segments={}/{} revision={}/{} revisions_applied={} bytes={}/{} rate_rev_per_s={} eta_s={}",
                        done + 1, plan.deltas().size(), replayer.revision(), plan.targetRevision(), replayedRevisions,
                        now.bytesFetched(), now.totalBytes(), Math.round(now.revisionsPerSecond()),
                        now.eta().map(Duration::toSeconds).map(String::valueOf).orElse("?"));
                lastLog = System.nanoTime();
            }
        }
        return replayedRevisions;
    }

    private record FetchedSegment(DeltaSegmentRef ref, DeltaSegment segment) {
    }

    private FetchedSegment fetchDelta(BackupFormat format, DeltaSegmentRef ref) {
        try {
            FetchedSegment fetched = new FetchedSegment(ref, format.readDelta(store, ref));
            progress.fetched(ref.size());
            return fetched;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
