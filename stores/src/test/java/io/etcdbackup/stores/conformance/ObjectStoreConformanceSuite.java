package io.etcdbackup.stores.conformance;

import io.etcdbackup.stores.NoSuchObjectException;
import io.etcdbackup.stores.ObjectAlreadyExistsException;
import io.etcdbackup.stores.ObjectInfo;
import io.etcdbackup.stores.ObjectIterator;
import io.etcdbackup.stores.ObjectKeys;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.ObjectWriter;
import io.etcdbackup.stores.WriteMode;
import io.etcdbackup.stores.conformance.StoreCapabilities.BackslashKeys;
import io.etcdbackup.stores.conformance.StoreCapabilities.Contract;
import io.etcdbackup.stores.conformance.StoreCapabilities.ListingOrder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
/**
 * The one behavioural contract of {@link ObjectStore}, run against every provider.
 *
 * <p>A subclass implements {@link #openStore(String)} and nothing else is required. Every test
 * gets a fresh random prefix ({@code conf-<random>}); stores opened through
 * {@link #openStore(String)} are closed after the test, and what the test wrote is deleted
 * (best effort) so real buckets stay clean.
 *
 * <p>Hooks a subclass may override: {@link #largeObjectPartSize()} (the part or block size the
 * store under test was opened with), {@link #listingKeyCount()} and {@link #capabilities()}.
 *
 * <p>A backend's differences are declared, not written as overridden tests: its subclass states
 * {@link StoreCapabilities}, with a comment saying why, and the tests here consult them (a
 * contract a fake cannot show is skipped with the reason; a known difference adjusts the
 * expectation; an upstream bug is asserted as the bug, so a fix upstream makes the test fail
 * and the declaration go). Never {@code @Disabled}.
 */
public abstract class ObjectStoreConformanceSuite extends ListingConformance {

    // ---------------------------------------------------------------- basics

    @Test
    public void putThenReadStatAndList() throws Exception {
        byte[] content = utf8("hello object store");
        store.put("a/b/c.txt", content, WriteMode.OVERWRITE);

        assertThat(store.readAll("a/b/c.txt")).isEqualTo(content);
        ObjectInfo info = store.stat("a/b/c.txt");
        assertThat(info.key()).isEqualTo("a/b/c.txt");
        assertThat(info.size()).isEqualTo(content.length);
        assertThat(keys(store.list(""))).containsExactly("a/b/c.txt");
        assertThat(store.list("").toList().get(0).size()).isEqualTo(content.length);
    }

    @Test
    public void emptyObject() throws Exception {
        store.put("empty", new byte[0], WriteMode.OVERWRITE);

        assertThat(store.stat("empty").size()).isZero();
        assertThat(store.readAll("empty")).isEmpty();
        try (InputStream in = store.open("empty", 0, 10)) {
            assertThat(in.readAllBytes()).isEmpty();
        }
        assertThat(keys(store.list(""))).containsExactly("empty");
    }

    @Test
    public void overwriteReplacesContent() throws Exception {
        store.put("k", utf8("first version, longer"), WriteMode.OVERWRITE);
        store.put("k", utf8("second"), WriteMode.OVERWRITE);

        assertThat(store.readAll("k")).isEqualTo(utf8("second"));
        assertThat(store.stat("k").size()).isEqualTo(6);
        assertThat(keys(store.list(""))).containsExactly("k");
    }

    @Test
    public void writerRejectsWritesAfterCloseAndCloseTwiceIsHarmless() throws Exception {
        ObjectWriter writer = store.create("k", WriteMode.OVERWRITE);
        writer.write(utf8("abc"));
        writer.close();
        writer.close();

        assertThatThrownBy(() -> writer.write(1)).isInstanceOf(IOException.class);
        assertThat(store.readAll("k")).isEqualTo(utf8("abc"));
    }

    // ---------------------------------------------------------------- atomic visibility

    @Test
    public void objectIsInvisibleWhileBeingWritten() throws Exception {
        assumeShown(Contract.MULTI_PART_WRITES);
        assumeShown(Contract.INVISIBLE_UNTIL_PUBLISHED);
        GeneratedBytes data = new GeneratedBytes(1, 2L * largeObjectPartSize() + 17);
        ObjectWriter writer = store.create("in/flight", WriteMode.OVERWRITE);
        try {
            // More than one part, so a multipart upload or staged blocks exist on the backend.
            writer.write(data.slice(0, largeObjectPartSize() + 1));
            writer.flush();
            assertInvisible("in/flight");

            writer.write(data.slice(largeObjectPartSize() + 1, (int) (data.length() - largeObjectPartSize() - 1)));
            writer.flush();
            assertInvisible("in/flight");
        } catch (Throwable t) {
            writer.abort();
            throw t;
        }
        writer.close();

        assertThat(store.stat("in/flight").size()).isEqualTo(data.length());
        assertThat(GeneratedBytes.digest(store.open("in/flight")).sha256Hex()).isEqualTo(data.sha256Hex());
        assertThat(keys(store.list("in/"))).containsExactly("in/flight");
    }

    @Test
    public void overwriteInProgressShowsOnlyThePreviousVersion() throws Exception {
        assumeShown(Contract.MULTI_PART_WRITES);
        byte[] old = utf8("the previous complete version");
        store.put("doc", old, WriteMode.OVERWRITE);
        ObjectWriter writer = store.create("doc", WriteMode.OVERWRITE);
        try {
            writer.write(new GeneratedBytes(2, largeObjectPartSize() + 5L).slice(0, largeObjectPartSize() + 5));
            writer.flush();

            assertThat(store.readAll("doc")).isEqualTo(old);
            assertThat(store.stat("doc").size()).isEqualTo(old.length);
            assertThat(store.list("").toList()).extracting(ObjectInfo::size).containsExactly((long) old.length);
        } finally {
            writer.abort();
        }
        assertStillPublishedAfterAbort("doc", old);
    }

    @Test
    public void abortLeavesNothing() throws Exception {
        assumeShown(Contract.MULTI_PART_WRITES);
        assumeShown(Contract.INVISIBLE_UNTIL_PUBLISHED);
        ObjectWriter writer = store.create("aborted", WriteMode.OVERWRITE);
        writer.write(new GeneratedBytes(3, largeObjectPartSize() + 9L).slice(0, largeObjectPartSize() + 9));
        writer.abort();
        writer.abort(); // idempotent

        assertInvisible("aborted");
        assertThatThrownBy(() -> writer.write(1)).isInstanceOf(IOException.class);
        // close after abort publishes nothing
        try {
            writer.close();
        } catch (IOException acceptable) {
            // the contract allows close() after abort() to fail; it must not publish
        }
        assertInvisible("aborted");
        assertThat(store.list("").toList()).isEmpty();
    }

    @Test
    public void abortOfSmallWriteLeavesNothingAndKeepsOldVersion() throws Exception {
        assumeShown(Contract.INVISIBLE_UNTIL_PUBLISHED);
        store.put("keep", utf8("old"), WriteMode.OVERWRITE);
        ObjectWriter writer = store.create("keep", WriteMode.OVERWRITE);
        writer.write(utf8("new but abandoned"));
        writer.abort();
        ObjectWriter fresh = store.create("fresh", WriteMode.IF_ABSENT);
        fresh.write(utf8("never published"));
        fresh.abort();

        assertThat(store.readAll("keep")).isEqualTo(utf8("old"));
        assertInvisible("fresh");
        assertThat(keys(store.list(""))).containsExactly("keep");
    }

    // ---------------------------------------------------------------- large objects

    @Test
    public void largeMultipartObjectStreamsInAndOut() throws Exception {
        assumeShown(Contract.MULTI_PART_WRITES);
        int part = largeObjectPartSize();
        GeneratedBytes data = new GeneratedBytes(4, 3L * part + part / 2 + 4321);
        String written;
        ObjectWriter writer = store.create("large/object.bin", WriteMode.OVERWRITE);
        try {
            written = data.writeTo(writer);
        } catch (Throwable t) {
            writer.abort();
            throw t;
        }
        writer.close();

        assertThat(store.stat("large/object.bin").size()).isEqualTo(data.length());
        GeneratedBytes.Digest read;
        try (InputStream in = store.open("large/object.bin")) {
            read = GeneratedBytes.digest(in);
        }
        assertThat(read.length()).isEqualTo(data.length());
        assertThat(read.sha256Hex()).isEqualTo(written);
        // A range across each part boundary, and the tail.
        for (int i = 1; i <= 3; i++) {
            long boundary = (long) i * part;
            try (InputStream in = store.open("large/object.bin", boundary - 100, 200)) {
                assertThat(in.readAllBytes()).as("range across part boundary %d", i).isEqualTo(data.slice(boundary - 100, 200));
            }
        }
        try (InputStream in = store.open("large/object.bin", data.length() - 10, 1000)) {
            assertThat(in.readAllBytes()).isEqualTo(data.slice(data.length() - 10, 10));
        }
    }

    @Test
    public void largeConditionalCreateIsRefusedWhenKeyExists() throws Exception {
        assumeShown(Contract.MULTI_PART_WRITES);
        assumeShown(Contract.CONDITIONAL_CREATE);
        byte[] old = utf8("small original");
        store.put("big", old, WriteMode.OVERWRITE);
        GeneratedBytes data = new GeneratedBytes(5, 2L * largeObjectPartSize() + 1);
        ObjectWriter writer = store.create("big", WriteMode.IF_ABSENT);
        try {
            data.writeTo(writer);
        } catch (Throwable t) {
            writer.abort();
            throw t;
        }
        assertThatThrownBy(writer::close).isInstanceOf(ObjectAlreadyExistsException.class)
                .satisfies(e -> assertThat(((ObjectAlreadyExistsException) e).key()).isEqualTo("big"));
        writer.abort(); // allowed after a failed close

        assertStillPublishedAfterAbort("big", old);
        if (!capabilities().abortDeletesPublishedObject()) {
            assertThat(keys(store.list(""))).containsExactly("big");
        }
    }

    // ---------------------------------------------------------------- ranges

    @Test
    public void rangeReads() throws Exception {
        byte[] content = new GeneratedBytes(6, 1000).slice(0, 1000);
        store.put("r", content, WriteMode.OVERWRITE);

        assertThat(range("r", 0, 1000)).isEqualTo(content);
        assertThat(range("r", 100, 200)).isEqualTo(slice(content, 100, 300));
        assertThat(range("r", 999, 1)).isEqualTo(slice(content, 999, 1000));
        assertThat(range("r", 900, 500)).as("past the end is cut").isEqualTo(slice(content, 900, 1000));
        assertThat(range("r", 10, Long.MAX_VALUE)).as("unbounded length").isEqualTo(slice(content, 10, 1000));
        assertThat(range("r", 0, 0)).as("zero length").isEmpty();
        assertThat(range("r", 1000, 10)).as("offset at end").isEmpty();
        assertThat(range("r", 5000, 10)).as("offset beyond end").isEmpty();
        assertThatThrownBy(() -> store.open("r", -1, 10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.open("r", 0, -1)).isInstanceOf(IllegalArgumentException.class);
    }


    // ---------------------------------------------------------------- conditional create

    @Test
    public void conditionalCreateSucceedsWhenAbsent() throws Exception {
        store.put("cas", utf8("first"), WriteMode.IF_ABSENT);

        assertThat(store.readAll("cas")).isEqualTo(utf8("first"));
    }

    @Test
    public void conditionalCreateIsRefusedWhenKeyExists() throws Exception {
        assumeShown(Contract.CONDITIONAL_CREATE);
        store.put("cas", utf8("original"), WriteMode.OVERWRITE);

        assertThatThrownBy(() -> store.put("cas", utf8("intruder"), WriteMode.IF_ABSENT))
                .isInstanceOf(ObjectAlreadyExistsException.class)
                .satisfies(e -> assertThat(((ObjectAlreadyExistsException) e).key()).isEqualTo("cas"));
        assertThat(store.readAll("cas")).isEqualTo(utf8("original"));
        assertThat(store.stat("cas").size()).isEqualTo(8);
    }

    @Test
    public void conditionalCreateIsDecidedAtPublishTime() throws Exception {
        assumeShown(Contract.CONDITIONAL_CREATE);
        ObjectWriter first = store.create("race", WriteMode.IF_ABSENT);
        ObjectWriter second = store.create("race", WriteMode.IF_ABSENT);
        first.write(utf8("winner"));
        second.write(utf8("loser"));
        first.close();

        assertThatThrownBy(second::close).isInstanceOf(ObjectAlreadyExistsException.class);
        second.abort();
        assertThat(store.readAll("race")).isEqualTo(utf8("winner"));
    }

    // ---------------------------------------------------------------- not found

    @Test
    public void missingObjectIsOneExceptionType() throws Exception {
        store.put("folder/child", utf8("c"), WriteMode.OVERWRITE);

        for (String key : List.of("missing", "folder/missing", "folder")) {
            assertThatThrownBy(() -> store.open(key)).isInstanceOf(NoSuchObjectException.class)
                    .satisfies(e -> assertThat(((NoSuchObjectException) e).key()).isEqualTo(key));
            assertThatThrownBy(() -> store.open(key, 0, 10)).isInstanceOf(NoSuchObjectException.class)
                    .satisfies(e -> assertThat(((NoSuchObjectException) e).key()).isEqualTo(key));
            assertThatThrownBy(() -> store.stat(key)).isInstanceOf(NoSuchObjectException.class)
                    .satisfies(e -> assertThat(((NoSuchObjectException) e).key()).isEqualTo(key));
        }
    }

    // ---------------------------------------------------------------- concurrency

    @Test
    public void concurrentWritersOnDistinctKeys() throws Exception {
        List<Callable<Void>> writers = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            for (int i = 0; i < 5; i++) {
                String key = "conc/t" + t + "/k" + i;
                byte[] content = new GeneratedBytes(t * 31L + i, 10_000 + t * 100 + i).slice(0, 10_000 + t * 100 + i);
                writers.add(() -> {
                    ObjectWriter w = store.create(key, WriteMode.IF_ABSENT);
                    // write in small pieces so writers interleave
                    for (int off = 0; off < content.length; off += 1000) {
                        w.write(content, off, Math.min(1000, content.length - off));
                    }
                    w.close();
                    return null;
                });
            }
        }
        runConcurrently(8, writers);

        List<ObjectInfo> listed = store.list("conc/").toList();
        assertThat(listed).hasSize(40);
        for (int t = 0; t < 8; t++) {
            for (int i = 0; i < 5; i++) {
                int size = 10_000 + t * 100 + i;
                assertThat(store.readAll("conc/t" + t + "/k" + i))
                        .isEqualTo(new GeneratedBytes(t * 31L + i, size).slice(0, size));
            }
        }
    }
}
