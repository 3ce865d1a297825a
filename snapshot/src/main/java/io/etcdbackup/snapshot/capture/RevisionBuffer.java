package io.etcdbackup.snapshot.capture;

import io.etcd.jetcd.api.Event;
import io.etcdbackup.snapshot.format.DeltaEventCodec;
import io.etcdbackup.snapshot.format.ObjectHeader;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The events received from the watch and not yet durable, as whole revisions, with the memory
 * accounting that caps them: events buffered (pending) plus the one batch being published (in
 * flight). Pure bookkeeping, no I/O and no threads: not thread-safe, its owner guards it.
 *
 * <p>Contract:
 * <ul>
 *   <li>{@link #add} keeps only revisions after the last received one (a watch re-delivers after
 *       a reconnect) and records when they arrived;</li>
 *   <li>{@link #take} hands out every pending event as one batch of whole revisions; at most one
 *       batch is in flight;</li>
 *   <li>{@link #published} forgets the batch; {@link #failed} puts its events back in front of
 *       what arrived meanwhile, so nothing is lost or reordered;</li>
 *   <li>{@link #isFull()} says the cap is reached: the owner stops reading the watch until
 *       {@link #isFull()} is false again.</li>
 * </ul>
 */
final class RevisionBuffer {

    /**
     * Receive times closer than this are merged (the later one stays), so a segment's index has
     * at most 100 entries per second.
     */
    static final long RECEIVE_TIME_RESOLUTION_MS = 10;

    /**
     * Events handed out for publishing.
     *
     * @param events        whole revisions, in revision order
     * @param bytes         their encoded size
     * @param firstRevision the first event's revision
     * @param lastRevision  the last event's revision
     * @param receivedAt    when revisions of the batch were received, ascending
     */
    record Batch(List<Event> events, long bytes, long firstRevision, long lastRevision, List<ObjectHeader.RevisionTime> receivedAt) {
    }

    private final long flushBytes;
    private final long memoryLimitBytes;
    /** Last revision of a watch response -> when it arrived; entries are removed once published. */
    private final TreeMap<Long, Long> receivedAt = new TreeMap<>();
    private List<Event> pending = new ArrayList<>();
    private long pendingBytes;
    private Batch inFlight;
    private long lastReceived;
    private long lastPublished;

    /**
     * @param flushBytes       {@link #shouldFlush()} once this many bytes are pending
     * @param memoryLimitBytes {@link #isFull()} once pending plus in-flight bytes reach this
     */
    RevisionBuffer(long flushBytes, long memoryLimitBytes) {
        this.flushBytes = flushBytes;
        this.memoryLimitBytes = memoryLimitBytes;
    }

    /** Expects revisions from {@code fromRevision} on; nothing before it counts as received. */
    void startAt(long fromRevision) {
        lastReceived = fromRevision - 1;
        lastPublished = fromRevision - 1;
    }

    /**
     * Buffers the events of one watch response, received at {@code nowMillis}. A response holds
     * whole revisions (etcd never splits one), so the revisions after the last received are kept
     * whole.
     *
     * @return whether any new revision was received
     */
    boolean add(List<Event> events, long nowMillis) {
        long before = lastReceived;
        for (Event event : events) {
            long revision = DeltaEventCodec.revisionOf(event);
            if (revision <= before) {
                continue; // re-delivered after a reconnect
            }
            pending.add(event);
            pendingBytes += DeltaEventCodec.sizeOf(event);
            lastReceived = revision;
        }
        if (lastReceived == before) {
            return false;
        }
        Map.Entry<Long, Long> newest = receivedAt.lastEntry();
        if (newest != null && nowMillis - newest.getValue() < RECEIVE_TIME_RESOLUTION_MS) {
            receivedAt.remove(newest.getKey());
        }
        receivedAt.put(lastReceived, nowMillis);
        return true;
    }

    /** Whether enough is pending to publish without waiting for the period. */
    boolean shouldFlush() {
        return pendingBytes >= flushBytes;
    }

    /** Whether pending plus in-flight events reached the memory limit. */
    boolean isFull() {
        return bufferedBytes() >= memoryLimitBytes;
    }

    /**
     * Hands out every pending event as one batch, now in flight.
     *
     * @return the batch, or null when nothing is pending
     * @throws IllegalStateException if a batch is in flight already
     */
    Batch take() {
        if (inFlight != null) {
            throw new IllegalStateException("a batch up to revision " + inFlight.lastRevision() + " is in flight already");
        }
        if (pending.isEmpty()) {
            return null;
        }
        long first = DeltaEventCodec.revisionOf(pending.get(0));
        long last = DeltaEventCodec.revisionOf(pending.get(pending.size() - 1));
        List<ObjectHeader.RevisionTime> times = new ArrayList<>();
        receivedAt.subMap(first, true, last, true).forEach((revision, millis) -> times.add(new ObjectHeader.RevisionTime(revision, millis)));
        inFlight = new Batch(pending, pendingBytes, first, last, List.copyOf(times));
        pending = new ArrayList<>();
        pendingBytes = 0;
        return inFlight;
    }

    /** The in-flight batch is durable: its memory and receive times are released. */
    void published(Batch batch) {
        requireInFlight(batch);
        inFlight = null;
        lastPublished = batch.lastRevision();
        receivedAt.headMap(batch.lastRevision(), true).clear();
    }

    /** The in-flight batch was not published: its events are pending again, before newer ones. */
    void failed(Batch batch) {
        requireInFlight(batch);
        inFlight = null;
        List<Event> again = new ArrayList<>(batch.events().size() + pending.size());
        again.addAll(batch.events());
        again.addAll(pending);
        pending = again;
        pendingBytes += batch.bytes();
    }

    /** The last revision received. */
    long lastReceived() {
        return lastReceived;
    }

    /** The last revision published. */
    long lastPublished() {
        return lastPublished;
    }

    /** Encoded bytes held: pending and in flight. */
    long bufferedBytes() {
        return pendingBytes + (inFlight == null ? 0 : inFlight.bytes());
    }

    private void requireInFlight(Batch batch) {
        if (inFlight != batch) {
            throw new IllegalStateException("batch up to revision " + batch.lastRevision() + " is not the one in flight");
        }
    }
}
