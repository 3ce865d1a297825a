package io.etcdbackup.snapshot.capture;

import io.etcd.jetcd.api.Event;
import io.etcdbackup.snapshot.format.DeltaEventCodec;
import io.etcdbackup.snapshot.format.ObjectHeader.RevisionTime;
import io.etcdbackup.snapshot.testing.DeltaSegments;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RevisionBufferTest {

    private static Event put(long revision) {
        return DeltaSegments.put("/k/" + revision, "value-" + revision, revision, revision, 1, 0);
    }

    private static List<Event> revisions(long from, long to, int eventsEach) {
        List<Event> events = new ArrayList<>();
        for (long r = from; r <= to; r++) {
            for (int i = 0; i < eventsEach; i++) {
                events.add(DeltaSegments.put("/k/" + r + "/" + i, "v", r, r, 1, 0));
            }
        }
        return events;
    }

    private static long bytesOf(List<Event> events) {
        return events.stream().mapToLong(DeltaEventCodec::sizeOf).sum();
    }

    private static List<Long> revisionsOf(List<Event> events) {
        return events.stream().map(DeltaEventCodec::revisionOf).toList();
    }

    @Test
    void revisionsRedeliveredAfterAReconnectAreKeptOnce() {
        RevisionBuffer buffer = new RevisionBuffer(1 << 20, 1 << 20);
        buffer.startAt(10);
        assertThat(buffer.add(List.of(put(8), put(9)), 1_000)).as("before the start revision").isFalse();
        assertThat(buffer.add(revisions(10, 12, 3), 1_000)).isTrue();
        assertThat(buffer.add(revisions(11, 14, 3), 2_000)).as("11 and 12 again, then 13 and 14").isTrue();

        RevisionBuffer.Batch batch = buffer.take();
        assertThat(revisionsOf(batch.events())).containsExactlyElementsOf(revisionsOf(revisions(10, 14, 3)));
        assertThat(batch.firstRevision()).isEqualTo(10);
        assertThat(batch.lastRevision()).isEqualTo(14);
        assertThat(batch.bytes()).isEqualTo(bytesOf(revisions(10, 14, 3)));
        assertThat(buffer.lastReceived()).isEqualTo(14);
        assertThat(buffer.lastPublished()).isEqualTo(9);
    }

    @Test
    void theCapCountsTheBatchInFlightUntilItIsPublished() {
        long size = bytesOf(List.of(put(1)));
        RevisionBuffer buffer = new RevisionBuffer(size, 2 * size);
        buffer.startAt(1);
        buffer.add(List.of(put(1)), 0);
        assertThat(buffer.shouldFlush()).isTrue();
        assertThat(buffer.isFull()).isFalse();

        RevisionBuffer.Batch batch = buffer.take();
        assertThat(buffer.shouldFlush()).isFalse();
        buffer.add(List.of(put(2)), 100);
        assertThat(buffer.bufferedBytes()).isEqualTo(2 * size);
        assertThat(buffer.isFull()).as("pending plus in flight reach the limit").isTrue();

        buffer.published(batch);
        assertThat(buffer.isFull()).isFalse();
        assertThat(buffer.bufferedBytes()).isEqualTo(size);
        assertThat(buffer.lastPublished()).isEqualTo(1);
    }

    @Test
    void onlyOneBatchIsInFlightAndAnEmptyBufferHasNone() {
        RevisionBuffer buffer = new RevisionBuffer(1, 1 << 20);
        buffer.startAt(1);
        assertThat(buffer.take()).isNull();
        buffer.add(List.of(put(1)), 0);
        RevisionBuffer.Batch batch = buffer.take();
        buffer.add(List.of(put(2)), 100);
        assertThatThrownBy(buffer::take).isInstanceOf(IllegalStateException.class);
        buffer.published(batch);
        assertThat(revisionsOf(buffer.take().events())).containsExactly(2L);
    }

    @Test
    void aFailedBatchComesBackBeforeWhatArrivedMeanwhile() {
        RevisionBuffer buffer = new RevisionBuffer(1, 1 << 20);
        buffer.startAt(1);
        buffer.add(revisions(1, 3, 2), 0);
        RevisionBuffer.Batch failed = buffer.take();
        buffer.add(revisions(4, 5, 2), 100);
        buffer.failed(failed);

        assertThat(buffer.bufferedBytes()).isEqualTo(bytesOf(revisions(1, 5, 2)));
        assertThat(buffer.lastPublished()).isZero();
        RevisionBuffer.Batch retry = buffer.take();
        assertThat(revisionsOf(retry.events())).containsExactlyElementsOf(revisionsOf(revisions(1, 5, 2)));
        assertThat(retry.receivedAt()).extracting(RevisionTime::revision).containsExactly(3L, 5L);
        assertThatThrownBy(() -> buffer.published(failed)).as("only the batch in flight").isInstanceOf(IllegalStateException.class);
    }

    @Test
    void receiveTimesCloserThanTheResolutionKeepTheLaterAndArePublishedWithTheirRevisions() {
        RevisionBuffer buffer = new RevisionBuffer(1, 1 << 20);
        buffer.startAt(1);
        buffer.add(List.of(put(1)), 1_000);
        buffer.add(List.of(put(2)), 1_000 + RevisionBuffer.RECEIVE_TIME_RESOLUTION_MS - 1); // replaces 1
        buffer.add(List.of(put(3)), 1_050);
        RevisionBuffer.Batch first = buffer.take();
        assertThat(first.receivedAt()).containsExactly(new RevisionTime(2, 1_009), new RevisionTime(3, 1_050));

        buffer.add(List.of(put(4)), 1_100);
        buffer.published(first);
        RevisionBuffer.Batch second = buffer.take();
        assertThat(second.receivedAt()).as("times of published revisions are gone").containsExactly(new RevisionTime(4, 1_100));
    }
}
