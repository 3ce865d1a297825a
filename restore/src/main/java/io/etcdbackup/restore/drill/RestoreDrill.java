package io.etcdbackup.restore.drill;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.CompactOption;
import io.etcdbackup.restore.EtcdTool;
import io.etcdbackup.restore.RestorePlan;
import io.etcdbackup.restore.RestorePlanner;
import io.etcdbackup.restore.RestoreTarget;
import io.etcdbackup.restore.Restorer;
import io.etcdbackup.restore.ScratchPlacement;
import io.etcdbackup.snapshot.EtcdBackupException;
import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.snapshot.catalog.GenerationInfo;
import io.etcdbackup.etcdprocess.DirectoryTrees;
import io.etcdbackup.snapshot.etcd.EtcdClients;
import io.etcdbackup.etcdprocess.EtcdProcess;
import io.etcdbackup.snapshot.etcd.MemberStatus;
import io.etcdbackup.stores.ObjectStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A restore drill: proof, by etcd's own hash, that the backups restore the live cluster's history.
 *
 * <ol>
 *   <li>Plan the latest chain (newest generation, its newest full snapshot and the segments after
 *       it) and note the live member's {@code HashKV} at the chain's revision R first, so that the
 *       live cluster compacting past R while the backup is restored does not matter.</li>
 *   <li>Restore the chain with the {@link Restorer} (every object verified) into a temporary data
 *       directory under the scratch root and start it as a single member on loopback.</li>
 *   <li>Bring the restored member to the live member's compaction point (compact it there) and
 *       hash it at R. Equal hashes mean every key revision up to R is the same on both sides:
 *       keys, values, create and mod revisions, versions and leases.</li>
 * </ol>
 *
 * <p>When the two cannot be hashed alike the drill is {@linkplain DrillResult.Verdict#INCONCLUSIVE
 * inconclusive}, with the reason: the backups belong to another cluster, the live cluster is behind
 * R or has compacted R, or the restored backup is compacted further than the live cluster (a base
 * made by compaction). The scratch directory is removed afterwards, whatever happened. The live
 * cluster is only read, never written.
 */
public final class RestoreDrill {

    private static final Logger LOG = LoggerFactory.getLogger(RestoreDrill.class);
    /** Hashing reads the whole key bucket; a large database takes minutes, nothing else bounds it. */
    private static final long HASH_TIMEOUT_MINUTES = 30;
    /** The name of each drill's work directory starts with this. */
    private static final String WORK_PREFIX = "drill-";

    /**
     * @param restore     how to restore (etcd binaries, fetchers, default lease TTL); its scratch
     *                    root is replaced by a folder under {@code scratchRoot}
     * @param scratchRoot where the drill's temporary data directory and downloads go (created if
     *                    missing; each drill uses and removes its own folder below it)
     */
    public record Settings(Restorer.Settings restore, Path scratchRoot) {
        public Settings {
            Objects.requireNonNull(restore, "restore");
            Objects.requireNonNull(scratchRoot, "scratchRoot");
        }
    }

    private final ObjectStore store;
    private final RestorePlanner planner;
    private final EtcdClients live;
    private final Settings settings;

    /**
     * @param store   the backups
     * @param planner what to drill, over the same store: its latest state is restored
     * @param live    the live cluster; its first endpoint is the member hashed
     */
    public RestoreDrill(ObjectStore store, RestorePlanner planner, EtcdClients live, Settings settings) {
        this.store = store;
        this.planner = planner;
        this.live = live;
        this.settings = settings;
    }

    /**
     * Runs one drill on the latest chain.
     *
     * @return passed, or inconclusive with the reason
     * @throws DrillMismatchException when the hashes differ at the same revision and compaction point
     * @throws ScratchSpaceException  when the scratch root has too little free space (checked before
     *                                anything is downloaded)
     * @throws EtcdBackupException    when there is nothing to restore, an object is corrupt, the chain
     *                                has a gap, or a member does not answer
     */
    public DrillResult run() throws IOException {
        long started = System.nanoTime();
        Catalog catalog = new Catalog(store);
        RestorePlan plan = planner.latest();
        String generation = plan.generation();
        URI endpoint = live.connection().localEndpoint();
        LOG.info("restore drill started generation={} base={} deltas={} target_revision={} live_endpoint={}", generation,
                plan.full().key(), plan.deltas().size(), plan.targetRevision(), endpoint);
        try (Client liveClient = live.newLocalClient()) {
            MemberStatus status = MemberStatus.read(liveClient, endpoint);
            Optional<String> otherCluster = otherCluster(catalog, generation, status.clusterId());
            if (otherCluster.isPresent()) {
                return inconclusive(generation, plan.targetRevision(), otherCluster.get(), started);
            }
            // Noted before the restore: the live cluster may compact past the revision meanwhile.
            Noted noted = noteLive(liveClient, endpoint, status.revision(), plan.targetRevision());
            if (noted.hash().isEmpty()) {
                return inconclusive(generation, plan.targetRevision(), noted.reason(), started);
            }
            requireSpace(plan);
            Files.createDirectories(settings.scratchRoot());
            Path work = settings.scratchRoot().resolve(WORK_PREFIX + UUID.randomUUID().toString().substring(0, 8));
            try {
                AtomicLong restoredRevision = new AtomicLong();
                try (EtcdProcess member = startRestored(plan, work, restoredRevision);
                     Client restored = Client.builder().endpoints(member.clientUrl().toString()).build()) {
                    long revision = restoredRevision.get();
                    if (revision != plan.targetRevision()) {
                        // The base held more than its recorded revision (a lower bound) and no segment followed.
                        LOG.info("restored backup holds more than planned, hashing the live cluster there revision={} planned_revision={}",
                                revision, plan.targetRevision());
                        noted = noteLive(liveClient, endpoint, MemberStatus.read(liveClient, endpoint).revision(), revision);
                        if (noted.hash().isEmpty()) {
                            return inconclusive(generation, revision, noted.reason(), started);
                        }
                    }
                    return compare(generation, revision, noted.hash().get(), restored, member.clientUrl(), started);
                }
            } finally {
                DirectoryTrees.delete(work);
            }
        }
    }

    /** The live member's hash at {@code revision}, or why it has none. */
    private record Noted(Optional<MemberHash> hash, String reason) {
    }

    private static Noted noteLive(Client client, URI endpoint, long liveRevision, long revision) throws IOException {
        if (liveRevision < revision) {
            return new Noted(Optional.empty(), "the live cluster is at revision " + liveRevision + ", behind the backup's "
                    + revision + " (was it restored to an earlier point?)");
        }
        Optional<MemberHash> hash = MemberHash.at(client, endpoint, revision, HASH_TIMEOUT_MINUTES);
        return hash.isPresent() ? new Noted(hash, "")
                : new Noted(hash, "the live cluster has compacted revision " + revision + ", the backup's latest: etcd "
                        + "hashes only the history after its compaction point, so the backup can no longer be compared "
                        + "(a newer backup can: take a delta snapshot, or let the sidecar drill its latest)");
    }

    private static Optional<String> otherCluster(Catalog catalog, String generation, long liveClusterId) throws IOException {
        Optional<GenerationInfo> info = catalog.generationInfo(generation);
        if (info.isEmpty() || info.get().clusterId() == 0 || info.get().clusterId() == liveClusterId) {
            return Optional.empty();
        }
        return Optional.of("generation " + generation + " was taken from etcd cluster " + Long.toHexString(info.get().clusterId())
                + ", the live cluster is " + Long.toHexString(liveClusterId) + ": their histories are not the same");
    }

    private DrillResult compare(String generation, long revision, MemberHash liveHash, Client restored, URI url, long started)
            throws IOException {
        Optional<MemberHash> first = MemberHash.at(restored, url, revision, HASH_TIMEOUT_MINUTES);
        if (first.isEmpty()) {
            return inconclusive(generation, revision, "the restored backup is compacted at its own revision " + revision
                    + " (a base made by `compact` with no segments after it): it holds no history to hash", started);
        }
        MemberHash restoredHash = first.get();
        CompactionAlignment step = CompactionAlignment.decide(revision, liveHash.compactRevision(), restoredHash.compactRevision());
        if (step instanceof CompactionAlignment.Inconclusive inconclusive) {
            return inconclusive(generation, revision, inconclusive.reason(), started);
        }
        if (step instanceof CompactionAlignment.CompactRestored compact) {
            compactRestored(restored, compact.revision());
            restoredHash = MemberHash.at(restored, url, revision, HASH_TIMEOUT_MINUTES).orElseThrow(() -> new EtcdBackupException(
                    "the restored member lost revision " + revision + " when compacted at " + compact.revision()));
            if (restoredHash.compactRevision() != liveHash.compactRevision()) {
                throw new EtcdBackupException("the restored member reports compaction point " + restoredHash.compactRevision()
                        + " after being compacted at " + compact.revision());
            }
        }
        if (restoredHash.hash() != liveHash.hash()) {
            throw new DrillMismatchException(generation, liveHash.hash(), revision, restoredHash.hash(), revision,
                    liveHash.compactRevision());
        }
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        LOG.info("restore drill passed generation={} revision={} hash={} compact_revision={} duration_ms={}", generation, revision,
                liveHash.hash(), liveHash.compactRevision(), took.toMillis());
        return DrillResult.passed(generation, revision, liveHash.hash(), liveHash.compactRevision(), took);
    }

    private static DrillResult inconclusive(String generation, long revision, String reason, long started) {
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        LOG.warn("restore drill inconclusive generation={} revision={} reason=\"{}\" duration_ms={}", generation, revision, reason,
                took.toMillis());
        return DrillResult.inconclusive(generation, revision, reason, took);
    }

    /**
     * Restores {@code plan} into {@code work} as a single member and starts it. The revision the
     * restored data holds is read before the member starts: a lease in the data may expire once it
     * runs, and its deletion would be a revision the backup does not hold.
     */
    private EtcdProcess startRestored(RestorePlan plan, Path work, AtomicLong revision) throws IOException {
        Restorer.Settings base = settings.restore();
        Restorer restorer = new Restorer(store, new Restorer.Settings(base.binaries(), work.resolve("restore"),
                base.defaultLeaseTtl(), base.maxFetchers()));
        EtcdTool tool = new EtcdTool(base.binaries());
        List<String> flags = new ArrayList<>(List.of("--quota-backend-bytes=" + (8L * 1024 * 1024 * 1024),
                "--heartbeat-interval=10", "--election-timeout=100"));
        if (base.binaries().supportsUnsafeNoFsync()) {
            flags.add("--unsafe-no-fsync");
        }
        return EtcdProcess.startSingleMember(base.binaries(), "drill", work.resolve("member.etcd"), flags, Duration.ofMinutes(5),
                spec -> {
                    String peer = EtcdProcess.peerUrl(spec.peerPort());
                    Restorer.Result result = restorer.restore(plan, new RestoreTarget(spec.dataDir(), spec.name(),
                            spec.initialCluster(), peer, spec.clusterToken(), false));
                    // After replay the revision is exact; a full snapshot's recorded revision is only a lower bound.
                    revision.set(plan.deltas().isEmpty()
                            ? tool.status(spec.dataDir().resolve("member/snap/db")).revision() : result.revision());
                });
    }

    private static void compactRestored(Client restored, long revision) throws IOException {
        try {
            restored.getKVClient().compact(revision, CompactOption.newBuilder().withCompactPhysical(true).build())
                    .get(HASH_TIMEOUT_MINUTES, TimeUnit.MINUTES);
            LOG.info("restored member compacted at the live cluster's compaction point revision={}", revision);
        } catch (ExecutionException | TimeoutException e) {
            throw new EtcdBackupException("compacting the restored member at revision " + revision + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while compacting the restored member", e);
        }
    }

    /** Fails before anything is downloaded when the scratch root cannot hold the restore. */
    private void requireSpace(RestorePlan plan) throws IOException {
        long required = ScratchPlacement.needed(store, plan);
        Path existing = settings.scratchRoot().toAbsolutePath();
        while (!Files.exists(existing) && existing.getParent() != null) {
            existing = existing.getParent();
        }
        long usable = Files.getFileStore(existing).getUsableSpace();
        if (usable < required) {
            throw new ScratchSpaceException(settings.scratchRoot(), required, usable);
        }
    }

    /**
     * Removes the work directories a drill killed midway left under {@code scratchRoot}. Call it
     * only when no drill runs there: when the process starts.
     *
     * @return what was removed
     */
    public static List<Path> removeLeftovers(Path scratchRoot) throws IOException {
        return DirectoryTrees.deleteMatching(scratchRoot, WORK_PREFIX + "*");
    }
}
