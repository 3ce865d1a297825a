package io.etcdbackup.snapshot.capture;

import io.etcdbackup.snapshot.catalog.BackupLayout;
import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
import io.etcdbackup.snapshot.format.Codec;
import io.etcdbackup.snapshot.format.DeltaEventCodec;
import io.etcdbackup.snapshot.format.ObjectHeader;
import io.etcdbackup.snapshot.format.ObjectPublisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;

/**
 * Writes one batch of captured revisions as a delta segment under
 * {@code <generation>/delta/<first>-<last>} and indexes it in the catalog.
 *
 * <p>Contract: when {@link #publish} returns, the segment is in the store and in the catalog. A
 * segment already under its key (published before a crash, or by another writer) is the same
 * events, as generation and revision range determine them: it is indexed as it is
 * ({@link ObjectPublisher.IfExists#TRUST_EXISTING}; indexing is idempotent). On failure nothing
 * new is visible and the exception propagates; the caller keeps the events.
 */
final class DeltaSegmentPublisher {

    private static final Logger LOG = LoggerFactory.getLogger(DeltaSegmentPublisher.class);

    private final Catalog catalog;
    private final ObjectPublisher publisher;
    private final String generation;
    private final DeltaCapture.Source source;
    private final Codec codec;
    private final int level;
    private final Clock clock;

    DeltaSegmentPublisher(Catalog catalog, String generation, DeltaCapture.Source source, Codec codec, int level, Clock clock) {
        this.catalog = catalog;
        this.publisher = new ObjectPublisher(catalog.store(), catalog.encryption());
        this.generation = generation;
        this.source = source;
        this.codec = codec;
        this.level = level;
        this.clock = clock;
    }

    /**
     * Publishes and indexes {@code batch}, recording {@code leases} in its header.
     *
     * @throws io.etcdbackup.snapshot.catalog.FencedWriterException if another writer took over the catalog
     * @throws IOException if the store or the catalog failed
     */
    DeltaSegmentRef publish(RevisionBuffer.Batch batch, List<ObjectHeader.LeaseRecord> leases) throws IOException {
        long first = batch.firstRevision();
        long last = batch.lastRevision();
        Instant now = clock.instant();
        ObjectHeader header = ObjectHeader.deltaSegment(generation, first, last, source.clusterId(), source.memberId(),
                source.etcdVersion(), codec, now, batch.events().size(), leases, batch.receivedAt());
        String key = BackupLayout.deltaKey(generation, first, last);
        ObjectPublisher.Published published = publisher.publish(key, header, level, ObjectPublisher.IfExists.TRUST_EXISTING,
                out -> DeltaEventCodec.write(batch.events(), out));
        LOG.debug("delta segment published key={} first_revision={} last_revision={} events={} bytes={} outcome={}",
                key, first, last, batch.events().size(), published.size(), published.outcome());
        DeltaSegmentRef ref = new DeltaSegmentRef(key, generation, first, last, published.size(), now);
        catalog.recordDelta(ref);
        return ref;
    }
}
