package io.etcdbackup.snapshot.capture;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.WatchResponse;
import io.etcd.jetcd.options.LeaseOption;
import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
import io.etcdbackup.snapshot.catalog.FencedWriterException;
import io.etcdbackup.snapshot.etcd.EtcdClients;
import io.etcdbackup.snapshot.format.Codec;
import io.grpc.ManagedChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.OptionalLong;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Continuous delta capture: a watch on the whole keyspace from a revision
 * ({@link ReconnectingWatch}, reopened after failures), buffered as whole
 * revisions ({@link RevisionBuffer}) and published as delta segments
 * ({@link DeltaSegmentPublisher}) when the buffer passes a size, when the owner asks (its delta
 * period: {@link #requestFlush()}; on demand: {@link #flush()}) and on {@link #close()}. The
 * period has one owner, the caller's scheduler: this class keeps no timer of its own.
 *
 * <p>Memory is capped, not merely a trigger: once buffered plus uploading events reach the
 * memory limit, no further watch response is requested from etcd (gRPC flow control) until a
 * flush has made room. etcd keeps the history meanwhile; if it compacts past the unread revision,
 * {@link Listener#onCompacted(long)} reports the gap and capture stops: the owner must take a
 * full snapshot and start a new generation.
 *
 * <p>The granted TTL of every lease in a segment is looked up when the first event carrying it
 * arrives ({@link LeaseTtls}), so a flush only collects answers, waiting a bounded time for one
 * still in flight.
 *
 * <p>If the store fails, buffered events are kept and retried on the next flush; nothing is
 * skipped, so the chain continues without a gap when the store returns.
 */
public final class DeltaCapture implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DeltaCapture.class);
    /** The longest a lease lookup may take, and the longest a flush waits for lookups in flight. */
    private static final Duration LEASE_LOOKUP_TIMEOUT = Duration.ofSeconds(5);
    /** Repeated failures of the store are logged at most this often. */
    private static final Duration FAILURE_LOG_INTERVAL = Duration.ofSeconds(30);

    /**
     * @param flushBytes       publish as soon as this many encoded event bytes are buffered
     * @param memoryLimitBytes stop reading the watch while buffered and uploading events reach this
     * @param codec            payload compression
     * @param level            compression level
     */
    public record Settings(long flushBytes, long memoryLimitBytes, Codec codec, int level) {
        public Settings {
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

        /**
         * A flush found nothing new to publish: everything received up to
         * {@code lastPublishedRevision} is in the store (a quiet delta period).
         */
        default void onUpToDate(long lastPublishedRevision) {
        }

        /** The watch fell behind etcd's compaction: revisions after the last published are lost. */
        default void onCompacted(long compactRevision) {
        }

        /** Another writer took over the catalog; capture has stopped. */
        default void onFenced(FencedWriterException fenced) {
        }
    }

    private final EtcdClients clients;
    private final String generation;
    private final Clock clock;
    private final Listener listener;
    private final DeltaSegmentPublisher segments;
    private final LeaseTtls leaseTtls;
    /** Runs flushes (size, cap, the owner's period) and watch reconnects, one at a time. */
    private final ScheduledExecutorService flusher;
    private final ReentrantLock flushLock = new ReentrantLock();
    /** Guards {@link #buffer} and the fields below; waiters of {@link #awaitReceived} wait on it. */
    private final Object lock = new Object();
    private final RevisionBuffer buffer;

    private volatile ManagedChannel channel;
    private volatile ReconnectingWatch watch;
    private WatchStream awaitingCapacity;
    private long compactedAt;
    private boolean closed;
    private Instant lastFailureLogged = Instant.EPOCH;

    /** Segments published into {@code catalog}'s store are indexed in it. */
    public DeltaCapture(EtcdClients clients, Client client, Catalog catalog, String generation, Source source,
                        Settings settings, Clock clock, Listener listener) {
        this.clients = clients;
        this.generation = generation;
        this.clock = clock;
        this.listener = listener;
        this.segments = new DeltaSegmentPublisher(catalog, generation, source, settings.codec(), settings.level(), clock);
        this.leaseTtls = new LeaseTtls(lease -> client.getLeaseClient().timeToLive(lease, LeaseOption.DEFAULT)
                .thenApply(response -> Math.max(0, response.getGrantedTTL())), LEASE_LOOKUP_TIMEOUT, LEASE_LOOKUP_TIMEOUT);
        this.buffer = new RevisionBuffer(settings.flushBytes(), settings.memoryLimitBytes());
        this.flusher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "delta-capture-" + generation);
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts watching at {@code fromRevision} (the first revision to capture). */
    public void start(long fromRevision) {
        synchronized (lock) {
            buffer.startAt(fromRevision);
        }
        channel = clients.newChannel(clients.connection().localEndpoint());
        watch = new ReconnectingWatch(channel, flusher, generation, clock, new ReconnectingWatch.Handler() {
            @Override
            public OptionalLong resumeFrom() {
                synchronized (lock) {
                    return closed || compactedAt != 0 ? OptionalLong.empty() : OptionalLong.of(buffer.lastReceived() + 1);
                }
            }

            @Override
            public void onResponse(WatchStream stream, WatchResponse response) {
                handle(stream, response);
            }
        });
        watch.open();
        LOG.info("delta capture started generation={} from_revision={}", generation, fromRevision);
    }

    /**
     * Publishes every buffered revision now as one segment, on the caller's thread.
     *
     * @return the last revision durable in the store
     * @throws IOException if the store refused the segment (events stay buffered)
     */
    public long flush() throws IOException {
        flushLock.lock();
        try {
            RevisionBuffer.Batch batch;
            long upToDate;
            synchronized (lock) {
                batch = buffer.take();
                upToDate = buffer.lastPublished();
            }
            if (batch == null) {
                listener.onUpToDate(upToDate);
                return upToDate;
            }
            long started = System.nanoTime();
            try {
                DeltaSegmentRef segment = segments.publish(batch, leaseTtls.recordsOf(batch.events()));
                synchronized (lock) {
                    buffer.published(batch);
                }
                listener.onPublished(segment, batch.events().size(), Duration.ofNanos(System.nanoTime() - started));
            } catch (IOException | RuntimeException e) {
                if (!(e instanceof FencedWriterException)) {
                    listener.onPublishFailed(e);
                }
                synchronized (lock) {
                    buffer.failed(batch);
                }
                throw e;
            } finally {
                releaseWatchIfRoom();
            }
            synchronized (lock) {
                return buffer.lastPublished();
            }
        } finally {
            flushLock.unlock();
        }
    }

    /**
     * Publishes what is buffered soon, on the capture's own thread, without waiting for it: what
     * the owner calls each delta period. A failure is logged and the events stay buffered; being
     * fenced stops capture ({@link Listener#onFenced}). After {@link #close()} this does nothing.
     */
    public void requestFlush() {
        try {
            flusher.execute(this::flushLogged);
        } catch (RejectedExecutionException closing) {
            // closed meanwhile: close() publishes what is buffered
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
            while (buffer.lastReceived() < revision && compactedAt == 0 && !closed) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    return false;
                }
                lock.wait(left);
            }
            return buffer.lastReceived() >= revision;
        }
    }

    /** The last revision durable in the store. */
    public long lastPublishedRevision() {
        synchronized (lock) {
            return buffer.lastPublished();
        }
    }

    /** The last revision received from etcd. */
    public long lastReceivedRevision() {
        synchronized (lock) {
            return buffer.lastReceived();
        }
    }

    /** Encoded bytes currently held in memory (buffered and uploading). */
    public long bufferedBytes() {
        synchronized (lock) {
            return buffer.bufferedBytes();
        }
    }

    /** The compaction revision that broke the watch, if it broke. */
    public OptionalLong compactedRevision() {
        synchronized (lock) {
            return compactedAt == 0 ? OptionalLong.empty() : OptionalLong.of(compactedAt);
        }
    }

    /** The generation this capture writes into. */
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
        flusher.shutdown();
        if (watch != null) {
            watch.close();
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
        for (Event event : response.getEventsList()) {
            leaseTtls.observe(event); // starts the lease lookup now, off the flush thread
        }
        boolean full;
        boolean flushNow;
        synchronized (lock) {
            buffer.add(response.getEventsList(), clock.millis());
            lock.notifyAll();
            full = buffer.isFull();
            flushNow = buffer.shouldFlush();
            if (full) {
                awaitingCapacity = stream;
            }
        }
        if (flushNow || full) {
            requestFlush();
        }
        if (!full) {
            stream.requestNext();
        }
    }

    private void releaseWatchIfRoom() {
        WatchStream waiting = null;
        synchronized (lock) {
            if (awaitingCapacity != null && !buffer.isFull()) {
                waiting = awaitingCapacity;
                awaitingCapacity = null;
            }
        }
        if (waiting != null) {
            waiting.requestNext();
        }
    }

    private void flushLogged() {
        try {
            flush();
        } catch (FencedWriterException fenced) {
            stopFenced(fenced);
        } catch (IOException | RuntimeException e) {
            if (failureLogDue()) {
                LOG.warn("delta segment not published, retried on the next flush generation={} buffered_bytes={}",
                        generation, bufferedBytes(), e);
            }
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
        LOG.error("delta capture stopped: another writer took over the catalog generation={}", generation, fenced);
        if (watch != null) {
            watch.close();
        }
        flusher.shutdown();
        listener.onFenced(fenced);
    }

    /** Whether a repeated failure may be logged now (at most once per {@link #FAILURE_LOG_INTERVAL}). */
    private boolean failureLogDue() {
        Instant now = clock.instant();
        synchronized (lock) {
            if (Duration.between(lastFailureLogged, now).compareTo(FAILURE_LOG_INTERVAL) < 0) {
                return false;
            }
            lastFailureLogged = now;
            return true;
        }
    }
}
