package io.etcdbackup.snapshot.merge;

import io.etcd.jetcd.api.Event;
import io.etcdbackup.snapshot.catalog.BackupLayout;
import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
import io.etcdbackup.snapshot.format.Codec;
import io.etcdbackup.snapshot.format.CorruptObjectException;
import io.etcdbackup.snapshot.format.DeltaEventCodec;
import io.etcdbackup.snapshot.format.ObjectHeader;
import io.etcdbackup.snapshot.format.ObjectEncryption;
import io.etcdbackup.snapshot.format.ObjectKind;
import io.etcdbackup.snapshot.format.ObjectPublisher;
import io.etcdbackup.snapshot.format.SnapshotObjectReader;
import io.etcdbackup.snapshot.format.SnapshotObjectWriter;
import io.etcdbackup.stores.NoSuchObjectException;
import io.etcdbackup.stores.ObjectStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Writes one merged delta segment from a run of consecutive segments: the events of every
 * original, in order, streamed one original at a time (only one original's events are in memory),
 * each original verified against its checksum before any of its events is written. Nothing is
 * indexed here; the object is published under {@code <generation>/delta/<first>-<last>} "only if
 * absent".
 *
 * <p>The merged header: the originals' event counts summed; their leases united, each with the
 * newest non-zero granted TTL recorded for it; their receive-time indexes concatenated (an
 * original without one contributes "its last revision by its publication time"), thinned to at
 * most {@link #MAX_RECEIVED_AT} entries, the latest of each equal slot of time (every entry kept
 * is still true, the index only coarser).
 */
final class SegmentMerger {

    private static final Logger LOG = LoggerFactory.getLogger(SegmentMerger.class);
    /** Receive-time entries kept in a merged header: its JSON stays far below the 1 MiB a header read fetches. */
    static final int MAX_RECEIVED_AT = 4096;
    /** Leases one merged header may list (about 40 bytes of JSON each). */
    static final int MAX_LEASES = 10_000;

    /**
     * A merged segment written (or found already written) but not yet indexed.
     *
     * @param merged       the merged segment, level one above its originals'
     * @param originals    the segments it replaces, in chain order
     * @param bytesWritten bytes this merger wrote; 0 when an earlier run had already published it
     */
    record MergedSegment(DeltaSegmentRef merged, List<DeltaSegmentRef> originals, long bytesWritten) {
    }

    private record Original(DeltaSegmentRef ref, ObjectHeader header, long contentBytes) {
    }

    private final ObjectStore store;
    private final ObjectEncryption encryption;
    private final ObjectPublisher publisher;
    private final Codec codec;
    private final int compressionLevel;
    private final long maxContentBytes;

    SegmentMerger(ObjectStore store, ObjectEncryption encryption, Codec codec, int compressionLevel, long maxContentBytes) {
        this.store = store;
        this.encryption = encryption;
        this.publisher = new ObjectPublisher(store, encryption);
        this.codec = codec;
        this.compressionLevel = compressionLevel;
        this.maxContentBytes = maxContentBytes;
    }

    /**
     * Merges the first stretch of {@code run} (at least two segments) whose events fit
     * {@code maxContentBytes} and whose leases fit one header; empty when no two consecutive
     * segments do, or when an original is missing or fails verification (logged: the run stays
     * as it is).
     *
     * @param run consecutive, contiguous segments of one generation and one level
     * @throws IOException if the store fails
     */
    Optional<MergedSegment> merge(List<DeltaSegmentRef> run) throws IOException {
        List<Original> originals;
        try {
            originals = fittingPart(run);
        } catch (CorruptObjectException | NoSuchObjectException e) {
            LOG.warn("segment merge skipped the run first_key={}", run.get(0).key(), e);
            return Optional.empty();
        }
        if (originals.size() < 2) {
            LOG.debug("segment merge: no two segments of the run fit first_key={} max_bytes={}", run.get(0).key(), maxContentBytes);
            return Optional.empty();
        }
        ObjectHeader header = header(originals);
        DeltaSegmentRef first = originals.get(0).ref();
        DeltaSegmentRef last = originals.get(originals.size() - 1).ref();
        String key = BackupLayout.deltaKey(first.generation(), header.firstRevision(), header.lastRevision());
        List<DeltaSegmentRef> refs = originals.stream().map(Original::ref).toList();
        Instant publishedAt = refs.stream().map(DeltaSegmentRef::publishedAt).max(Instant::compareTo).orElseThrow();
        int mergedLevel = refs.stream().mapToInt(DeltaSegmentRef::level).max().orElseThrow() + 1;

        ObjectPublisher.Published published;
        try {
            published = publisher.publish(key, header, compressionLevel, ObjectPublisher.IfExists.VERIFY_EXISTING, out -> {
                for (Original original : originals) {
                    copyEvents(original, out);
                }
            });
        } catch (CorruptObjectException | NoSuchObjectException e) {
            LOG.warn("segment merge abandoned, nothing published key={}", key, e);
            return Optional.empty();
        }
        if (published.outcome() == ObjectPublisher.Outcome.CONFLICT) {
            LOG.warn("segment merge skipped: the key holds another object key={}", key);
            return Optional.empty();
        }
        LOG.debug("merged segment published key={} level={} segments={} events={} bytes={} outcome={}",
                key, mergedLevel, refs.size(), header.eventCount(), published.size(), published.outcome());
        return Optional.of(new MergedSegment(new DeltaSegmentRef(key, first.generation(), first.firstRevision(), last.lastRevision(),
                published.size(), publishedAt, mergedLevel), refs, published.bytesWritten()));
    }

    /** Reads the originals' headers and trailers, and keeps the first stretch of the run that fits. */
    private List<Original> fittingPart(List<DeltaSegmentRef> run) throws IOException {
        List<Original> part = new ArrayList<>();
        Set<Long> leases = new HashSet<>();
        long contentBytes = 0;
        for (DeltaSegmentRef ref : run) {
            Original original = read(ref);
            if (!fits(part, leases, contentBytes, original)) {
                if (part.size() >= 2) {
                    break;
                }
                // Too large beside its predecessor: start over from this one, which may fit with its successors.
                part.clear();
                leases.clear();
                contentBytes = 0;
                if (!fits(part, leases, contentBytes, original)) {
                    continue;
                }
            }
            part.add(original);
            original.header().leases().forEach(lease -> leases.add(lease.id()));
            contentBytes += original.contentBytes();
        }
        return part;
    }

    private Original read(DeltaSegmentRef ref) throws IOException {
        ObjectHeader header = SnapshotObjectReader.readHeader(store, ref.key());
        if (header.kind() != ObjectKind.DELTA || !header.generation().equals(ref.generation())
                || header.firstRevision() != ref.firstRevision() || header.lastRevision() != ref.lastRevision()) {
            throw new CorruptObjectException(ref.key(), "its header says " + header.kind() + " " + header.generation() + " "
                    + header.firstRevision() + ".." + header.lastRevision() + ", the catalog says DELTA " + ref.generation()
                    + " " + ref.firstRevision() + ".." + ref.lastRevision());
        }
        return new Original(ref, header, SnapshotObjectReader.readContentLength(store, ref.key(), ref.size()));
    }

    private boolean fits(List<Original> part, Set<Long> leases, long contentBytes, Original next) {
        if (contentBytes + next.contentBytes() > maxContentBytes) {
            return false;
        }
        if (!part.isEmpty() && part.get(0).header().clusterId() != next.header().clusterId()) {
            return false;
        }
        long added = next.header().leases().stream().mapToLong(ObjectHeader.LeaseRecord::id).filter(id -> !leases.contains(id)).distinct().count();
        return leases.size() + added <= MAX_LEASES;
    }

    private ObjectHeader header(List<Original> originals) {
        ObjectHeader first = originals.get(0).header();
        ObjectHeader last = originals.get(originals.size() - 1).header();
        long events = 0;
        Map<Long, Long> leases = new LinkedHashMap<>();
        List<ObjectHeader.RevisionTime> receivedAt = new ArrayList<>();
        for (Original original : originals) {
            ObjectHeader header = original.header();
            events += header.eventCount();
            for (ObjectHeader.LeaseRecord lease : header.leases()) {
                // A lease's granted TTL never changes; 0 means "expired or unknown when asked", so a known TTL wins.
                if (lease.grantedTtl() > 0 || !leases.containsKey(lease.id())) {
                    leases.put(lease.id(), lease.grantedTtl());
                }
            }
            if (header.receivedAt().isEmpty()) {
                receivedAt.add(new ObjectHeader.RevisionTime(original.ref().lastRevision(), original.ref().publishedAt().toEpochMilli()));
            } else {
                receivedAt.addAll(header.receivedAt());
            }
        }
        List<ObjectHeader.LeaseRecord> leaseRecords = new ArrayList<>();
        leases.forEach((id, ttl) -> leaseRecords.add(new ObjectHeader.LeaseRecord(id, ttl)));
        return ObjectHeader.mergedSegment(first, last, codec, events, leaseRecords, thin(receivedAt, MAX_RECEIVED_AT));
    }

    /**
     * At most {@code max} of {@code entries} (ascending by revision): time is cut into
     * {@code max} equal slots over the entries' span and each slot keeps its latest revision. An
     * entry whose time is not after the last kept one's slot replaces it (each entry is true on
     * its own, so dropping one only makes the index coarser).
     */
    static List<ObjectHeader.RevisionTime> thin(List<ObjectHeader.RevisionTime> entries, int max) {
        if (entries.size() <= max) {
            return entries;
        }
        long earliest = entries.stream().mapToLong(ObjectHeader.RevisionTime::epochMillis).min().orElseThrow();
        long latest = entries.stream().mapToLong(ObjectHeader.RevisionTime::epochMillis).max().orElseThrow();
        long slot = Math.max(1, (latest - earliest + max - 2) / (max - 1));
        List<ObjectHeader.RevisionTime> kept = new ArrayList<>();
        long lastSlot = -1;
        for (ObjectHeader.RevisionTime entry : entries) {
            long entrySlot = (entry.epochMillis() - earliest) / slot;
            if (entrySlot <= lastSlot) {
                kept.set(kept.size() - 1, entry);
            } else {
                kept.add(entry);
                lastSlot = entrySlot;
            }
        }
        return kept;
    }

    /** Streams one original's events into {@code out} after verifying the original end to end. */
    private void copyEvents(Original original, SnapshotObjectWriter out) throws IOException {
        DeltaSegmentRef ref = original.ref();
        List<Event> events;
        try (SnapshotObjectReader reader = SnapshotObjectReader.open(ref.key(), store.open(ref.key()), encryption)) {
            events = DeltaEventCodec.read(reader.content());
            reader.verify();
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new CorruptObjectException(ref.key(), "undecodable events: " + e.getMessage(), e);
        }
        if (events.size() != original.header().eventCount()) {
            throw new CorruptObjectException(ref.key(), "holds " + events.size() + " events, its header says " + original.header().eventCount());
        }
        long previous = ref.firstRevision();
        for (Event event : events) {
            long revision = DeltaEventCodec.revisionOf(event);
            if (revision < previous || revision > ref.lastRevision()) {
                throw new CorruptObjectException(ref.key(), "event of revision " + revision + " out of order or outside "
                        + ref.firstRevision() + ".." + ref.lastRevision());
            }
            previous = revision;
        }
        if (events.isEmpty() || DeltaEventCodec.revisionOf(events.get(0)) != ref.firstRevision() || previous != ref.lastRevision()) {
            throw new CorruptObjectException(ref.key(), "its events do not span revisions " + ref.firstRevision() + ".." + ref.lastRevision());
        }
        DeltaEventCodec.write(events, out);
    }
}
