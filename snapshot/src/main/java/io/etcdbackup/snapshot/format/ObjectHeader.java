package io.etcdbackup.snapshot.format;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The header every snapshot object starts with, so that an object describes itself and the
 * catalog can be rebuilt from objects alone.
 *
 * @param formatVersion    {@link SnapshotObjectFormat#FORMAT_VERSION}
 * @param kind             full snapshot or delta segment
 * @param generation       the generation (continuous revision history) the object belongs to
 * @param firstRevision    delta: the first revision held; full: the snapshot's revision, a
 *                         proven lower bound (status read before the snapshot started)
 * @param lastRevision     delta: the last revision held; full: the revision read after the
 *                         snapshot ended (an upper bound); equal to {@code firstRevision} when
 *                         no write happened meanwhile
 * @param clusterId        etcd cluster id of the source
 * @param memberId         etcd member id the data was read from
 * @param codec            compression of the payload
 * @param createdAt        when the capture finished
 * @param etcdVersion      the source server's version
 * @param eventCount       delta: number of events; full: 0
 * @param leases           delta: leases attached to keys in this segment, with their granted TTL
 * @param receivedAt       delta: when the agent received revisions, ascending; each entry says
 *                         that every revision up to its revision was committed by its time (the
 *                         index point-in-time restore by wall-clock time uses); empty for full
 *                         snapshots and for segments written before it existed
 */
public record ObjectHeader(int formatVersion, ObjectKind kind, String generation, long firstRevision,
                           long lastRevision, long clusterId, long memberId, Codec codec, Instant createdAt,
                           String etcdVersion, long eventCount, List<LeaseRecord> leases, List<RevisionTime> receivedAt) {

    /** A header without a receive-time index (full snapshots). */
    public ObjectHeader(int formatVersion, ObjectKind kind, String generation, long firstRevision, long lastRevision,
                        long clusterId, long memberId, Codec codec, Instant createdAt, String etcdVersion, long eventCount,
                        List<LeaseRecord> leases) {
        this(formatVersion, kind, generation, firstRevision, lastRevision, clusterId, memberId, codec, createdAt, etcdVersion,
                eventCount, leases, List.of());
    }

    /**
     * The header of a full snapshot taken from a member: {@code revision} is the proven lower
     * bound read before the snapshot started, recorded as both first and last revision.
     */
    public static ObjectHeader fullSnapshot(String generation, long revision, long clusterId, long memberId, String etcdVersion,
                                            Codec codec, Instant createdAt) {
        return new ObjectHeader(SnapshotObjectFormat.FORMAT_VERSION, ObjectKind.FULL, generation, revision, revision, clusterId,
                memberId, codec, createdAt, etcdVersion, 0, List.of(), List.of());
    }

    /**
     * The header of a compacted base: a full snapshot written by compaction at exactly
     * {@code revision}, read from no member (member id 0), with the version of the etcd that
     * produced it.
     */
    public static ObjectHeader compactedBase(String generation, long revision, long clusterId, String etcdVersion, Codec codec,
                                             Instant createdAt) {
        return fullSnapshot(generation, revision, clusterId, 0, etcdVersion, codec, createdAt);
    }

    /**
     * The header of a delta segment captured from a member: events of revisions
     * {@code firstRevision..lastRevision}, the leases they carry and when their revisions were
     * received.
     */
    public static ObjectHeader deltaSegment(String generation, long firstRevision, long lastRevision, long clusterId, long memberId,
                                            String etcdVersion, Codec codec, Instant createdAt, long eventCount,
                                            List<LeaseRecord> leases, List<RevisionTime> receivedAt) {
        return new ObjectHeader(SnapshotObjectFormat.FORMAT_VERSION, ObjectKind.DELTA, generation, firstRevision, lastRevision,
                clusterId, memberId, codec, createdAt, etcdVersion, eventCount, leases, receivedAt);
    }

    /**
     * The header of a segment merged from consecutive segments, {@code first} to {@code last}:
     * generation, first revision and cluster id of the first; last revision, member id, creation
     * time and etcd version of the last; {@code eventCount}, {@code leases} and
     * {@code receivedAt} as the merger combined them.
     */
    public static ObjectHeader mergedSegment(ObjectHeader first, ObjectHeader last, Codec codec, long eventCount,
                                             List<LeaseRecord> leases, List<RevisionTime> receivedAt) {
        return deltaSegment(first.generation(), first.firstRevision(), last.lastRevision(), first.clusterId(), last.memberId(),
                last.etcdVersion(), codec, last.createdAt(), eventCount, leases, receivedAt);
    }

    public ObjectHeader {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(generation, "generation");
        Objects.requireNonNull(codec, "codec");
        Objects.requireNonNull(createdAt, "createdAt");
        leases = leases == null ? List.of() : List.copyOf(leases);
        receivedAt = receivedAt == null ? List.of() : List.copyOf(receivedAt);
        if (firstRevision < 0 || lastRevision < firstRevision) {
            throw new IllegalArgumentException("bad revision range " + firstRevision + ".." + lastRevision);
        }
    }

    /**
     * A lease seen in a delta segment.
     *
     * @param id         lease ID
     * @param grantedTtl TTL in seconds the lease was granted with; 0 when it had already expired
     *                   when the agent asked
     */
    public record LeaseRecord(long id, long grantedTtl) {
    }

    /**
     * Revisions up to {@code revision} had been received by {@code epochMillis}.
     *
     * @param revision    a revision
     * @param epochMillis receive time, milliseconds since the epoch
     */
    public record RevisionTime(long revision, long epochMillis) {
    }

    /**
     * The newest revision of this segment known to be committed at or before {@code time}, from
     * {@link #receivedAt()}; empty when the index has no entry that early.
     */
    public java.util.OptionalLong newestRevisionAtOrBefore(Instant time) {
        long limit = time.toEpochMilli();
        java.util.OptionalLong newest = java.util.OptionalLong.empty();
        for (RevisionTime entry : receivedAt) {
            if (entry.epochMillis() <= limit) {
                newest = java.util.OptionalLong.of(entry.revision());
            }
        }
        return newest;
    }
}
