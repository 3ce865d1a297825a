package io.etcdbackup.agent.backup;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.cluster.Member;
import io.etcdbackup.snapshot.EtcdBackupException;
import io.etcdbackup.snapshot.catalog.BackupLayout;
import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.snapshot.catalog.CatalogWriter;
import io.etcdbackup.snapshot.catalog.FullSnapshotRef;
import io.etcdbackup.snapshot.catalog.Generation;
import io.etcdbackup.snapshot.catalog.GenerationInfo;
import io.etcdbackup.snapshot.capture.Continuity;
import io.etcdbackup.snapshot.capture.DeltaCapture;
import io.etcdbackup.snapshot.capture.FullSnapshotter;
import io.etcdbackup.snapshot.etcd.EtcdClients;
import io.etcdbackup.snapshot.etcd.EtcdUnavailableException;
import io.etcdbackup.snapshot.etcd.MemberStatus;
import io.etcdbackup.snapshot.format.ObjectEncryption;
import io.etcdbackup.stores.ObjectStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The backup operations the CLI and the sidecar share: a full snapshot, one delta segment, and
 * continuous capture, each in the right generation (continuity checked by {@link Continuity}).
 */
public final class BackupService implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(BackupService.class);

    private final EtcdClients clients;
    private final Client client;
    private final ObjectStore store;
    private final Catalog catalog;
    private final CaptureSettings settings;
    private final Clock clock;

    /**
     * @param writerId who writes the catalog (host and process), shown to operators and in
     *                 fencing errors
     */
    public BackupService(EtcdClients clients, ObjectStore store, CaptureSettings settings, String writerId, Clock clock) {
        this(clients, store, ObjectEncryption.NONE, settings, writerId, clock);
    }

    /**
     * As {@link #BackupService(EtcdClients, ObjectStore, CaptureSettings, String, Clock)}, with the
     * objects' contents encrypted with {@code encryption}'s newest key (and read with any of its keys).
     */
    public BackupService(EtcdClients clients, ObjectStore store, ObjectEncryption encryption, CaptureSettings settings, String writerId,
                         Clock clock) {
        this.clients = clients;
        this.client = clients.newLocalClient();
        this.store = store;
        this.catalog = new Catalog(store, new CatalogWriter(store, writerId, clock)).withEncryption(encryption);
        this.settings = settings;
        this.clock = clock;
    }

    /**
     * Takes over the catalog with a new fencing epoch: from now on a previous writer that still
     * believes it leads is refused.
     */
    public long acquireCatalog() throws IOException {
        return catalog.writer().orElseThrow().acquire();
    }

    public Catalog catalog() {
        return catalog;
    }

    public MemberStatus memberStatus() {
        return MemberStatus.read(client, clients.connection().localEndpoint());
    }

    /**
     * The cluster's members, as the local member reports them.
     *
     * @throws EtcdUnavailableException when it does not answer in time
     */
    public List<Member> members() {
        try {
            return client.getClusterClient().listMember().get(30, TimeUnit.SECONDS).getMembers();
        } catch (ExecutionException | TimeoutException e) {
            throw new EtcdUnavailableException("etcd member " + clients.connection().localEndpoint()
                    + " did not list the members: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EtcdUnavailableException("interrupted while listing members", e);
        }
    }

    /**
     * Takes a full snapshot into the current generation, or into a new one when continuity with
     * the newest cannot be proved.
     */
    public FullSnapshotRef takeFull() throws IOException {
        Continuity.Decision decision = Continuity.decide(catalog, memberStatus());
        if (decision.continues()) {
            return fullSnapshotter().take(decision.generation().get().id());
        }
        return startGeneration(decision.reason());
    }

    /** Takes a full snapshot into {@code generation}, which the caller knows to be current. */
    public FullSnapshotRef takeFull(String generation) throws IOException {
        return fullSnapshotter().take(generation);
    }

    /**
     * Starts a new generation with a full snapshot, recording why.
     *
     * @return the generation's first full snapshot
     */
    public FullSnapshotRef startGeneration(String reason) throws IOException {
        MemberStatus status = memberStatus();
        String id = BackupLayout.newGenerationId(clock.instant());
        String previous = catalog.latest().map(Generation::id).orElse(null);
        LOG.info("new generation generation={} reason=\"{}\" previous={}", id, reason, previous);
        catalog.recordGeneration(new GenerationInfo(id, reason, clock.instant(), status.clusterId(), status.revision(), previous));
        return fullSnapshotter().take(id);
    }

    /**
     * Captures everything since the last captured revision into delta segments, up to etcd's
     * current revision.
     *
     * @return the last revision now durable (at least etcd's revision when the call began); empty
     *         if there was nothing new
     * @throws EtcdBackupException if there is no generation to continue, or etcd compacted the
     *                             revisions needed (take a full snapshot then)
     */
    public Optional<Long> takeDeltaOnce(Duration timeout) throws IOException, InterruptedException {
        MemberStatus status = memberStatus();
        Continuity.Decision decision = Continuity.decide(catalog, status);
        if (!decision.continues()) {
            throw new EtcdBackupException("cannot take a delta snapshot: " + decision.reason() + "; take a full snapshot first");
        }
        Generation generation = decision.generation().get();
        long from = generation.lastRevision() + 1;
        if (status.revision() < from) {
            return Optional.empty();
        }
        DeltaCapture capture = newCapture(generation.id(), status, new DeltaCapture.Listener() { });
        try (capture) {
            capture.start(from);
            boolean received = capture.awaitReceived(status.revision(), timeout);
            if (capture.compactedRevision().isPresent()) {
                throw new EtcdBackupException("etcd compacted revisions up to " + capture.compactedRevision().getAsLong()
                        + " before they were captured (last captured " + generation.lastRevision() + "); take a full snapshot");
            }
            if (!received) {
                throw new EtcdBackupException("watch did not deliver revisions up to " + status.revision() + " within " + timeout);
            }
        }
        // Closing published everything received, which may be past the revision aimed for.
        return Optional.of(capture.lastPublishedRevision());
    }

    /**
     * A delta capture bound to this service's connection and store; the caller starts and closes
     * it. It publishes when its buffer passes the flush size and when closed; the delta period is
     * the caller's to keep ({@link DeltaCapture#requestFlush()}), on its own clock.
     */
    public DeltaCapture newCapture(String generation, MemberStatus status, DeltaCapture.Listener listener) {
        return new DeltaCapture(clients, client, catalog, generation,
                new DeltaCapture.Source(status.clusterId(), status.memberId(), status.version()), settings.delta(),
                clock, listener);
    }

    public CaptureSettings settings() {
        return settings;
    }

    private FullSnapshotter fullSnapshotter() {
        return new FullSnapshotter(clients, client, catalog, settings.full(), clock);
    }

    @Override
    public void close() {
        client.close();
    }
}
