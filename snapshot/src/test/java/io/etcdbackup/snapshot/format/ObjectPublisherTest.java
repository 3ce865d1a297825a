package io.etcdbackup.snapshot.format;

import io.etcdbackup.stores.ObjectAlreadyExistsException;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.WriteMode;
import io.etcdbackup.stores.local.LocalStoreProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ObjectPublisherTest {

    private static final String KEY = "gen/delta/00000000000000000005-00000000000000000009";

    @TempDir
    Path dir;

    private static ObjectHeader header(long events) {
        return ObjectHeader.deltaSegment("20261122T000000000Z-abcd", 5, 9, 42, 7, "3.4.23", Codec.ZSTD,
                Instant.parse("2026-11-22T10:15:00Z"), events, List.of(new ObjectHeader.LeaseRecord(11, 60)), List.of());
    }

    private static ObjectPublisher.Content text(String content) {
        return out -> out.write(content.getBytes(StandardCharsets.UTF_8));
    }

    /** What the format writer alone produces: the publisher must not change a byte of it. */
    private static byte[] writtenDirectly(ObjectStore store, ObjectHeader header, String content) throws IOException {
        SnapshotObjectWriter out = SnapshotObjectWriter.start(store.create("direct", WriteMode.IF_ABSENT), header, 3);
        out.write(content.getBytes(StandardCharsets.UTF_8));
        out.finish();
        return store.readAll("direct");
    }

    @Test
    void aNewObjectIsWrittenByteForByteAsTheFormatWriterWritesIt() throws IOException {
        try (ObjectStore store = LocalStoreProvider.at(dir)) {
            ObjectPublisher.Published published = new ObjectPublisher(store).publish(KEY, header(3), 3, ObjectPublisher.IfExists.FAIL,
                    text("three events"));
            assertThat(published.outcome()).isEqualTo(ObjectPublisher.Outcome.WRITTEN);
            assertThat(published.size()).isEqualTo(store.stat(KEY).size()).isEqualTo(published.bytesWritten());
            assertThat(store.readAll(KEY)).isEqualTo(writtenDirectly(store, header(3), "three events"));
        }
    }

    @Test
    void failRefusesAnExistingObjectAndLeavesItAlone() throws IOException {
        try (ObjectStore store = LocalStoreProvider.at(dir)) {
            ObjectPublisher publisher = new ObjectPublisher(store);
            publisher.publish(KEY, header(3), 3, ObjectPublisher.IfExists.FAIL, text("first"));
            byte[] before = store.readAll(KEY);
            assertThatThrownBy(() -> publisher.publish(KEY, header(3), 3, ObjectPublisher.IfExists.FAIL, text("second")))
                    .isInstanceOf(ObjectAlreadyExistsException.class);
            assertThat(store.readAll(KEY)).isEqualTo(before);
        }
    }

    @Test
    void trustExistingTakesTheExistingObjectWithoutReadingIt() throws IOException {
        try (ObjectStore store = LocalStoreProvider.at(dir)) {
            store.put(KEY, new byte[] {1, 2, 3}, WriteMode.IF_ABSENT); // not even a snapshot object
            ObjectPublisher.Published published = new ObjectPublisher(store).publish(KEY, header(3), 3,
                    ObjectPublisher.IfExists.TRUST_EXISTING, text("ignored"));
            assertThat(published).isEqualTo(new ObjectPublisher.Published(KEY, 3, ObjectPublisher.Outcome.EXISTING));
            assertThat(published.bytesWritten()).isZero();
            assertThat(store.readAll(KEY)).containsExactly(1, 2, 3);
        }
    }

    @Test
    void verifyExistingTakesOnlyTheSameObjectIntactAndReportsAnythingElseAsAConflict() throws IOException {
        try (ObjectStore store = LocalStoreProvider.at(dir)) {
            ObjectPublisher publisher = new ObjectPublisher(store);
            long size = publisher.publish(KEY, header(3), 3, ObjectPublisher.IfExists.FAIL, text("three events")).size();

            assertThat(publisher.publish(KEY, header(3), 3, ObjectPublisher.IfExists.VERIFY_EXISTING, text("three events")))
                    .isEqualTo(new ObjectPublisher.Published(KEY, size, ObjectPublisher.Outcome.EXISTING));
            assertThat(publisher.publish(KEY, header(4), 3, ObjectPublisher.IfExists.VERIFY_EXISTING, text("four events")).outcome())
                    .as("another event count").isEqualTo(ObjectPublisher.Outcome.CONFLICT);

            byte[] corrupt = store.readAll(KEY);
            corrupt[corrupt.length - 60] ^= 1; // in the payload: the checksum no longer matches
            store.put(KEY, corrupt, WriteMode.OVERWRITE);
            assertThat(publisher.publish(KEY, header(3), 3, ObjectPublisher.IfExists.VERIFY_EXISTING, text("three events")).outcome())
                    .as("corrupt").isEqualTo(ObjectPublisher.Outcome.CONFLICT);
            assertThat(store.readAll(KEY)).as("left as it was").isEqualTo(corrupt);
        }
    }

    @Test
    void aFailingContentPublishesNothing() throws IOException {
        try (ObjectStore store = LocalStoreProvider.at(dir)) {
            assertThatThrownBy(() -> new ObjectPublisher(store).publish(KEY, header(3), 3, ObjectPublisher.IfExists.FAIL, out -> {
                out.write(new byte[1000]);
                throw new IOException("etcd went away");
            })).hasMessage("etcd went away");
            assertThat(store.list("").toList()).isEmpty();
        }
    }
}
