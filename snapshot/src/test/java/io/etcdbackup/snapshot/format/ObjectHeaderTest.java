package io.etcdbackup.snapshot.format;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The named header factories fill the record exactly as the writers did field by field before. */
class ObjectHeaderTest {

    private static final String GEN = "20261122T000000000Z-abcd";
    private static final Instant AT = Instant.parse("2026-11-22T10:15:00.123Z");
    private static final List<ObjectHeader.LeaseRecord> LEASES = List.of(new ObjectHeader.LeaseRecord(11, 60));
    private static final List<ObjectHeader.RevisionTime> TIMES = List.of(new ObjectHeader.RevisionTime(9, AT.toEpochMilli()));

    private static void assertSameBytes(ObjectHeader made, ObjectHeader expected) {
        assertThat(made).isEqualTo(expected);
        assertThat(SnapshotObjectFormat.encodeHeader(made)).isEqualTo(SnapshotObjectFormat.encodeHeader(expected));
    }

    @Test
    void aFullSnapshotHoldsItsRevisionAsFirstAndLastAndNoEvents() {
        assertSameBytes(ObjectHeader.fullSnapshot(GEN, 42, 7, 8, "3.5.17", Codec.ZSTD, AT),
                new ObjectHeader(SnapshotObjectFormat.FORMAT_VERSION, ObjectKind.FULL, GEN, 42, 42, 7, 8, Codec.ZSTD, AT, "3.5.17", 0, List.of()));
    }

    @Test
    void aCompactedBaseIsAFullSnapshotReadFromNoMember() {
        assertSameBytes(ObjectHeader.compactedBase(GEN, 42, 7, "3.5.17", Codec.GZIP, AT),
                new ObjectHeader(SnapshotObjectFormat.FORMAT_VERSION, ObjectKind.FULL, GEN, 42, 42, 7, 0, Codec.GZIP, AT, "3.5.17", 0, List.of()));
    }

    @Test
    void aDeltaSegmentCarriesItsEventsLeasesAndReceiveTimes() {
        assertSameBytes(ObjectHeader.deltaSegment(GEN, 5, 9, 7, 8, "3.4.23", Codec.ZSTD, AT, 12, LEASES, TIMES),
                new ObjectHeader(SnapshotObjectFormat.FORMAT_VERSION, ObjectKind.DELTA, GEN, 5, 9, 7, 8, Codec.ZSTD, AT, "3.4.23", 12, LEASES, TIMES));
    }

    @Test
    void aMergedSegmentSpansItsFirstAndLastOriginal() {
        ObjectHeader first = ObjectHeader.deltaSegment(GEN, 5, 9, 7, 8, "3.4.22", Codec.GZIP, Instant.EPOCH, 3, List.of(), List.of());
        ObjectHeader last = ObjectHeader.deltaSegment(GEN, 10, 20, 7, 9, "3.4.23", Codec.GZIP, AT, 4, List.of(), List.of());
        assertSameBytes(ObjectHeader.mergedSegment(first, last, Codec.ZSTD, 7, LEASES, TIMES),
                new ObjectHeader(SnapshotObjectFormat.FORMAT_VERSION, ObjectKind.DELTA, GEN, 5, 20, 7, 9, Codec.ZSTD, AT, "3.4.23", 7, LEASES, TIMES));
    }
}
