package io.etcdbackup.snapshot.capture;

import io.etcd.jetcd.Client;
import io.etcdbackup.snapshot.EtcdBackupException;
import io.etcdbackup.snapshot.catalog.BackupLayout;
import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.snapshot.catalog.FullSnapshotRef;
import io.etcdbackup.snapshot.etcd.EtcdClients;
import io.etcdbackup.snapshot.etcd.MemberStatus;
import io.etcdbackup.snapshot.format.Codec;
import io.etcdbackup.snapshot.format.ObjectHeader;
import io.etcdbackup.snapshot.format.ObjectPublisher;
import io.grpc.ManagedChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * Takes a full snapshot of the local member: etcd's snapshot stream goes through the codec and a
 * SHA-256 straight into the store, with no temporary copy of the database and memory bounded by
 * one gRPC chunk plus the store's upload parts. etcd's own trailing hash is verified before the
 * object is published; a mismatch publishes nothing.
 *
 * <p>The recorded revision is the member's revision read just before the snapshot starts: a
 * proven lower bound of what the snapshot holds. Delta capture continues from at or below it, so
 * there is never a gap; replay skips revisions already present.
 */
public final class FullSnapshotter {

    private static final Logger LOG = LoggerFactory.getLogger(FullSnapshotter.class);
    /** Buffers circulating between the reading and the writing thread: 8 x 256 KiB in memory at most. */
    private static final int PIPELINE_CHUNKS = 8;
    private static final int CHUNK_BYTES = 256 * 1024;

    /**
     * @param codec       payload compression
     * @param level       compression level
     * @param idleTimeout give up when etcd sends nothing for this long
     */
    public record Settings(Codec codec, int level, Duration idleTimeout) {
        public static Settings defaults() {
            return new Settings(Codec.ZSTD, Codec.DEFAULT_ZSTD_LEVEL, Duration.ofMinutes(2));
        }
    }

    private final EtcdClients clients;
    private final Client client;
    private final Catalog catalog;
    private final ObjectPublisher publisher;
    private final Settings settings;
    private final Clock clock;

    /** Snapshots published into {@code catalog}'s store are indexed in it. */
    public FullSnapshotter(EtcdClients clients, Client client, Catalog catalog, Settings settings, Clock clock) {
        this.clients = clients;
        this.client = client;
        this.catalog = catalog;
        this.publisher = new ObjectPublisher(catalog.store(), catalog.encryption());
        this.settings = settings;
        this.clock = clock;
    }

    /**
     * Takes and publishes one full snapshot into {@code generation}.
     *
     * @throws SnapshotIntegrityException if etcd's trailing hash does not match
     * @throws io.etcdbackup.snapshot.catalog.FencedWriterException if another writer took over the catalog
     * @throws IOException                if reading etcd or writing the store fails
     */
    public FullSnapshotRef take(String generation) throws IOException {
        MemberStatus status = MemberStatus.read(client, clients.connection().localEndpoint());
        // Millisecond precision: the time is part of the key, and a ref rebuilt from the key must be equal.
        Instant startedAt = clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        long started = System.nanoTime();
        String key = BackupLayout.fullKey(generation, status.revision(), startedAt);
        ObjectHeader header = ObjectHeader.fullSnapshot(generation, status.revision(), status.clusterId(), status.memberId(),
                status.version(), settings.codec(), startedAt);
        EtcdSnapshotHash hash = new EtcdSnapshotHash();
        ManagedChannel channel = clients.newChannel(clients.connection().localEndpoint());
        ObjectPublisher.Published published;
        try {
            published = publisher.publish(key, header, settings.level(), ObjectPublisher.IfExists.FAIL, out -> copyVerified(channel, hash, out));
        } finally {
            channel.shutdownNow();
            try {
                channel.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        FullSnapshotRef ref = new FullSnapshotRef(key, generation, status.revision(), startedAt, published.size());
        catalog.recordFull(ref);
        LOG.info("full snapshot published key={} revision={} db_bytes={} stored_bytes={} duration_ms={}",
                key, status.revision(), hash.total(), published.size(), took.toMillis());
        return ref;
    }

    /**
     * Streams etcd's snapshot into {@code out}: this thread reads and checks etcd's hash; another
     * compresses, checksums and uploads.
     *
     * @throws SnapshotIntegrityException if etcd's trailing hash does not match (the caller then
     *                                    publishes nothing)
     */
    private void copyVerified(ManagedChannel channel, EtcdSnapshotHash hash, OutputStream out) throws IOException {
        try (SnapshotStream in = SnapshotStream.open(channel, settings.idleTimeout());
             ChunkPipeline pipeline = new ChunkPipeline(out, PIPELINE_CHUNKS, CHUNK_BYTES, "full-snapshot-writer")) {
            while (true) {
                byte[] buffer = pipeline.borrow();
                int n = in.readNBytes(buffer, 0, buffer.length);
                if (n <= 0) {
                    pipeline.giveBack(buffer);
                    break;
                }
                hash.update(buffer, 0, n);
                pipeline.send(buffer, n);
            }
            pipeline.finish();
            if (!hash.matches()) {
                throw new SnapshotIntegrityException("etcd's snapshot stream of " + hash.total()
                        + " bytes does not end with the SHA-256 of its content; nothing was published");
            }
        }
    }

    /** etcd's snapshot stream did not carry a valid trailing hash. */
    public static final class SnapshotIntegrityException extends EtcdBackupException {
        private static final long serialVersionUID = 1L;

        public SnapshotIntegrityException(String message) {
            super(message);
        }
    }
}
