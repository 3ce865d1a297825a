package io.etcdbackup.snapshot.capture;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.WatchResponse;
import io.etcd.jetcd.lease.LeaseTimeToLiveResponse;
import io.etcd.jetcd.options.LeaseOption;
import io.etcdbackup.snapshot.catalog.BackupLayout;
import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.snapshot.catalog.FencedWriterException;
import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
import io.etcdbackup.snapshot.etcd.EtcdClients;
import io.etcdbackup.snapshot.format.DeltaEventCodec;
import io.etcdbackup.snapshot.format.ObjectHeader;
import io.etcdbackup.snapshot.format.ObjectKind;
import io.etcdbackup.snapshot.format.SnapshotObjectFormat;
import io.etcdbackup.snapshot.format.SnapshotObjectWriter;
import io.etcdbackup.stores.ObjectAlreadyExistsException;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.WriteMode;
import io.grpc.ManagedChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Continuous delta capture: a watch on the whole keyspace from a revision, buffered as whole
 * revisions and published as delta segments on a period, when the buffer passes a size, on
 * demand ({@link #flush()}) and on {@link #close()}.
 *
 * <p>Memory is capped, not merely a trigger: once buffered plus uploading events reach the
 * memory limit, no further watch response is requested from etcd (gRPC flow control) until a
 * flush has made room. etcd keeps the history meanwhile; if it compacts past the unread revision,
 * {@link Listener#onCompacted(long)} reports the gap and capture stops: the owner must take a
 * full snapshot and start a new generation.
 *
 * <p>If the store fails, buffered events are kept and retried on the next flush; nothing is
 * skipped, so the chain continues without a gap when the store returns.
 */
public final class DeltaCapture implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DeltaCapture.class);
    static final long RECEIVE_TIME_RESOLUTION_MS = 10;

    /**
     * @param flushPeriod      publish buffered revisions this often; zero when the owner
     *                         decides when ({@link #requestFlush()} on its own schedule)
     * @param flushBytes       publish as soon as this many encoded event bytes are buffered
     * @param memoryLimitBytes stop reading the watch while buffered and uploading events reach this
     * @param codec            payload compression
     * @param level            compression level
     */
    public record Settings(Duration flushPeriod, long flushBytes, long memoryLimitBytes,
                           io.etcdbackup.snapshot.format.Codec codec, int level) {
        public Settings {
            if (flushPeriod.isNegative()) {
                throw new IllegalArgumentException("delta period must not be negative, got " + flushPeriod);
            }
            if (flushBytes <= 0 || memoryLimitBytes < flushBytes) {
                throw new IllegalArgumentException("delta memory limit (" + memoryLimitBytes
                        + ") must be at least the flush size (" + flushBytes + ") and both positive");
            }
        }
    }

    /**
     * The source: cluster and member ids and version recorded in every segment header.
     */
    public record Source(long clusterId, long memberId, String etcdVersion) {
    }

    /** What the owner hears about. Called on the capture's threads; must not block long. */
    public interface Listener {
        /**
         * A segment of {@code events} events was published and indexed, taking {@code took}
         * (encoding, upload, index).
         */
        default void onPublished(DeltaSegmentRef segment, int events, Duration took) {
        }

        /** A segment could not be published; its events stay buffered for the next flush. */
        default void onPublishFailed(Exception error) {
        }

        /** The watch fell behind etcd's compaction: revisions after the last published are lost. */
        default void onCompacted(long compactRevision) {
        }

        /** Another writer took over the catalog; capture has stopped. */
        default void onFenced(FencedWriterException fenced) {
        }
    }

    private final EtcdClients clients;
    private final Client client;
    private final Catalog catalog;
    private final ObjectStore store;
    private final String generation;
    private final Source source;
    private final Settings settings;
    private final Clock clock;
    private final Listener listener;
    private final ScheduledExecutorService scheduler;
    private final ReentrantLock flushLock = new ReentrantLock();
    private final Object lock = new Object();
    private final Map<Long, Long> grantedTtls = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Long> eldest) {
            return size() > 100_000;
        }
    };

    private ManagedChannel channel;
    private WatchStream watch;
    private WatchStream awaitingCapacity;
    private List<Event> pending = new ArrayList<>();
    /**
     * Receive times of buffered revisions: the last revision of a watch response, when it
     * arrived. Entries closer than {@link #RECEIVE_TIME_RESOLUTION_MS} are merged (the later one
     * stays), so a segment's index has at most 100 entries per second. Removed once published.
     */
    private final java.util.TreeMap<Long, Long> receivedAt = new java.util.TreeMap<>();
    private long pendingBytes;
    private long inFlightBytes;
    private long lastReceived;
    private long lastPublished;
    private long compactedAt;
    private int reconnectAttempts;
    private boolean closed;
    private Instant lastFailureLogged = Instant.EPOCH;

    /** Segments published into {@code catalog}'s store are indexed in it. */
    public DeltaCapture(EtcdClients clients, Client client, Catalog catalog, String generation, Source source,
                        Settings settings, Clock clock, Listener listener) {
        this.clients = clients;
        this.client = client;
        this.catalog = catalog;
        this.store = catalog.store();
        this.generation = generation;
        this.source = source;
        this.settings = settings;
        this.clock = clock;
        this.listener = listener;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "delta-capture-" + generation);
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts watching at {@code fromRevision} (the first revision to capture). */
    public void start(long fromRevision) {
        synchronized (lock) {
            lastReceived = fromRevision - 1;
            lastPublished = fromRevision - 1;
        }
        channel = clients.newChannel(clients.connection().localEndpoint());
        openWatch();
        long period = settings.flushPeriod().toMillis();
        if (period > 0) {
            scheduler.scheduleWithFixedDelay(this::periodicFlush, period, period, TimeUnit.MILLISECONDS);
        }
        LOG.info("delta capture started generation={} from_revision={}", generation, fromRevision);
    }

    /**
     * Publishes every buffered revision now as one segment.
     *
     * @return the last revision durable in the store
     * @throws IOException if the store refused the segment (events stay buffered)
     */
    public long flush() throws IOException {
        flushLock.lock();
        try {
            List<Event> batch;
            long batchBytes;
            synchronized (lock) {
                if (pending.isEmpty()) {
                    return lastPublished;
                }
                batch = pending;
                batchBytes = pendingBytes;
                pending = new ArrayList<>();
                pendingBytes = 0;
                inFlightBytes = batchBytes;
            }
            long started = System.nanoTime();
            try {
                DeltaSegmentRef segment = publish(batch);
                synchronized (lock) {
                    lastPublished = segment.lastRevision();
                    receivedAt.headMap(segment.lastRevision(), true).clear();
                    inFlightBytes = 0;
                }
                listener.onPublished(segment, batch.size(), Duration.ofNanos(System.nanoTime() - started));
            } catch (IOException | RuntimeException e) {
                if (!(e instanceof FencedWriterException)) {
                    listener.onPublishFailed(e);
                }
                synchronized (lock) {
                    batch.addAll(pending);
                    pending = batch;
                    pendingBytes += batchBytes;
                    inFlightBytes = 0;
                }
                throw e;
            } finally {
                releaseWatchIfRoom();
            }
            synchronized (lock) {
                return lastPublished;
            }
        } finally {
            flushLock.unlock();
        }
    }

    /**
     * Waits until events up to {@code revision} have been received (not necessarily published).
     *
     * @return true if received; false on timeout, compaction or close
     */
    public boolean awaitReceived(long revision, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (lastReceived < revision && compactedAt == 0 && !closed) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    return false;
                }
                lock.wait(left);
            }
            return lastReceived >= revision;
        }
    }

    /** The last revision durable in the store. */
    public long lastPublishedRevision() {
        synchronized (lock) {
            return lastPublished;
        }
    }

    /** The last revision received from etcd. */
    public long lastReceivedRevision() {
        synchronized (lock) {
            return lastReceived;
        }
    }

    /** Encoded bytes currently held in memory (buffered and uploading). */
    public long bufferedBytes() {
        synchronized (lock) {
            return pendingBytes + inFlightBytes;
        }
    }

    /** The compaction revision that broke the watch, if it broke. */
    public OptionalLong compactedRevision() {
        synchronized (lock) {
            return compactedAt == 0 ? OptionalLong.empty() : OptionalLong.of(compactedAt);
        }
    }

    public String generation() {
        return generation;
    }

    /**
     * Stops watching and publishes what is buffered.
     *
     * @throws IOException if the final flush failed (the buffered revisions are not durable)
     */
    @Override
    public void close() throws IOException {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            lock.notifyAll();
        }
        // Not shutdownNow(): interrupting a flush in progress could fail it after its object and
        // catalog version were written, and the retry below would publish an overlapping segment.
        // Tasks still queued find the capture closed; the final flush waits for the running one.
        scheduler.shutdown();
        WatchStream current = watch;
        if (current != null) {
            current.close();
        }
        try {
            flush();
        } finally {
            if (channel != null) {
                channel.shutdownNow();
            }
            LOG.info("delta capture stopped generation={} last_published_revision={}", generation, lastPublishedRevision());
        }
    }

    private void openWatch() {
        long from;
        synchronized (lock) {
            if (closed || compactedAt != 0) {
                return;
            }
            from = lastReceived + 1;
        }
        watch = WatchStream.open(channel, from, new WatchStream.Handler() {
            @Override
            public void onResponse(WatchStream stream, WatchResponse response) {
                handle(stream, response);
            }

            @Override
            public void onFailure(WatchStream stream, Throwable error) {
                failed(stream, error);
            }
        });
    }

    private void handle(WatchStream stream, WatchResponse response) {
        if (response.getCompactRevision() > 0) {
            stream.close();
            synchronized (lock) {
                compactedAt = response.getCompactRevision();
                lock.notifyAll();
            }
            LOG.warn("delta watch fell behind compaction generation={} compact_revision={} last_received_revision={}",
                    generation, response.getCompactRevision(), lastReceivedRevision());
            listener.onCompacted(response.getCompactRevision());
            return;
        }
        if (response.getCanceled()) {
            failed(stream, new IllegalStateException("etcd cancelled the watch: " + response.getCancelReason()));
            return;
        }
        boolean full;
        boolean flushNow;
        synchronized (lock) {
            reconnectAttempts = 0;
            long before = lastReceived; // a response holds whole revisions: etcd never splits one
            for (Event event : response.getEventsList()) {
                long revision = DeltaEventCodec.revisionOf(event);
                if (revision <= before) {
                    continue; // re-delivered after a reconnect
                }
                pending.add(event);
                pendingBytes += DeltaEventCodec.sizeOf(event);
                lastReceived = revision;
            }
            if (lastReceived > before) {
                long now = clock.millis();
                var newest = receivedAt.lastEntry();
                if (newest != null && now - newest.getValue() < RECEIVE_TIME_RESOLUTION_MS) {
                    receivedAt.remove(newest.getKey());
                }
                receivedAt.put(lastReceived, now);
            }
            lock.notifyAll();
            full = pendingBytes + inFlightBytes >= settings.memoryLimitBytes();
            flushNow = pendingBytes >= settings.flushBytes();
            if (full) {
                awaitingCapacity = stream;
            }
        }
        if (flushNow || full) {
            scheduler.execute(this::periodicFlush);
        }
        if (!full) {
            stream.requestNext();
        }
    }

    private void failed(WatchStream stream, Throwable error) {
        if (stream != watch) {
            return;
        }
        stream.close();
        int attempt;
        synchronized (lock) {
            if (closed) {
                return;
            }
            attempt = ++reconnectAttempts;
        }
        long delayMs = Math.min(30_000, 250L << Math.min(attempt, 7));
        logFailure("delta watch failed, reconnecting in " + delayMs + " ms from revision " + (lastReceivedRevision() + 1), error);
        try {
            scheduler.schedule(this::openWatch, delayMs, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            // closed meanwhile
        }
    }

    private void releaseWatchIfRoom() {
        WatchStream waiting = null;
        synchronized (lock) {
            if (awaitingCapacity != null && pendingBytes + inFlightBytes < settings.memoryLimitBytes()) {
                waiting = awaitingCapacity;
                awaitingCapacity = null;
            }
        }
        if (waiting != null) {
            waiting.requestNext();
        }
    }

    /**
     * Publishes what is buffered soon, on the capture's own thread, without waiting for it: what
     * an owner that keeps the delta period on its own clock calls each period. A failure is
     * logged and the events stay buffered, as for the built-in period.
     */
    public void requestFlush() {
        try {
            scheduler.execute(this::periodicFlush);
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            // closed meanwhile: close() publishes what is buffered
        }
    }

    private void periodicFlush() {
        try {
            flush();
        } catch (FencedWriterException fenced) {
            stopFenced(fenced);
        } catch (IOException | RuntimeException e) {
            logFailure("delta segment not published; " + bufferedBytes() + " bytes stay buffered and are retried", e);
        }
    }

    private void stopFenced(FencedWriterException fenced) {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            lock.notifyAll();
        }
        LOG.error("delta capture stopped: {}", fenced.getMessage());
        WatchStream current = watch;
        if (current != null) {
            current.close();
        }
        scheduler.shutdown();
        listener.onFenced(fenced);
    }

    private void logFailure(String what, Throwable error) {
        Instant now = clock.instant();
        synchronized (lock) {
            if (Duration.between(lastFailureLogged, now).compareTo(Duration.ofSeconds(30)) < 0) {
                return;
            }
            lastFailureLogged = now;
        }
        LOG.warn("{} generation={} cause={}", what, generation, error.toString());
    }

    private DeltaSegmentRef publish(List<Event> batch) throws IOException {
        long first = DeltaEventCodec.revisionOf(batch.get(0));
        long last = DeltaEventCodec.revisionOf(batch.get(batch.size() - 1));
        Instant now = clock.instant();
        List<ObjectHeader.RevisionTime> times = new ArrayList<>();
        synchronized (lock) {
            receivedAt.subMap(first, true, last, true).forEach((revision, millis) -> times.add(new ObjectHeader.RevisionTime(revision, millis)));
        }
        ObjectHeader header = new ObjectHeader(SnapshotObjectFormat.FORMAT_VERSION, ObjectKind.DELTA, generation, first, last,
                source.clusterId(), source.memberId(), settings.codec(), now, source.etcdVersion(), batch.size(), leasesOf(batch), times);
        String key = BackupLayout.deltaKey(generation, first, last);
        SnapshotObjectWriter out;
        try {
            out = SnapshotObjectWriter.start(store.create(key, WriteMode.IF_ABSENT), header, settings.level());
        } catch (ObjectAlreadyExistsException e) {
            return alreadyPublished(key, first, last, now);
        }
        try {
            DeltaEventCodec.write(batch, out);
            out.finish();
        } catch (ObjectAlreadyExistsException e) {
            return alreadyPublished(key, first, last, now);
        } catch (IOException | RuntimeException e) {
            out.abort();
            throw e;
        }
        LOG.debug("delta segment published key={} first_revision={} last_revision={} events={} bytes={}",
                key, first, last, batch.size(), out.bodyLength());
        DeltaSegmentRef ref = new DeltaSegmentRef(key, generation, first, last, out.bodyLength() + SnapshotObjectWriter.TRAILER_BYTES, now);
        catalog.recordDelta(ref);
        return ref;
    }

    private DeltaSegmentRef alreadyPublished(String key, long first, long last, Instant now) throws IOException {
        // Same generation and revision range means the same events: published before a crash, or
        // by another writer. Index it (idempotent).
        LOG.info("delta segment already published key={}", key);
        DeltaSegmentRef ref = new DeltaSegmentRef(key, generation, first, last, store.stat(key).size(), now);
        catalog.recordDelta(ref);
        return ref;
    }

    private List<ObjectHeader.LeaseRecord> leasesOf(List<Event> batch) {
        List<ObjectHeader.LeaseRecord> leases = new ArrayList<>();
        java.util.Set<Long> seen = new java.util.HashSet<>();
        for (Event event : batch) {
            long lease = event.getKv().getLease();
            if (lease != 0 && seen.add(lease)) {
                leases.add(new ObjectHeader.LeaseRecord(lease, grantedTtl(lease)));
            }
        }
        return leases;
    }

    private long grantedTtl(long lease) {
        synchronized (grantedTtls) {
            Long known = grantedTtls.get(lease);
            if (known != null) {
                return known;
            }
        }
        long ttl;
        try {
            LeaseTimeToLiveResponse response = client.getLeaseClient().timeToLive(lease, LeaseOption.DEFAULT).get(5, TimeUnit.SECONDS);
            ttl = Math.max(0, response.getGrantedTTL());
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return 0; // unknown: restore falls back to its default TTL
        }
        synchronized (grantedTtls) {
            grantedTtls.put(lease, ttl);
        }
        return ttl;
    }
}
