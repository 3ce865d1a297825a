package io.etcdbackup.stores.conformance;

import io.etcdbackup.stores.NoSuchObjectException;
import io.etcdbackup.stores.ObjectAlreadyExistsException;
import io.etcdbackup.stores.ObjectInfo;
import io.etcdbackup.stores.ObjectIterator;
import io.etcdbackup.stores.ObjectKeys;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.ObjectWriter;
import io.etcdbackup.stores.WriteMode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
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

/**
 * The one behavioural contract of {@link ObjectStore}, run against every provider.
 *
 * <p>A subclass implements {@link #openStore(String)} and nothing else is required. Every test
 * gets a fresh random prefix ({@code conf-<random>}); stores opened through
 * {@link #openStore(String)} are closed after the test, and what the test wrote is deleted
 * (best effort) so real buckets stay clean.
 *
 * <p>Hooks a subclass may override: {@link #largeObjectPartSize()} (the part or block size the
 * store under test was opened with) and {@link #listingKeyCount()}.
 *
 * <p>A provider's quirk is a commented override of the affected test method in its subclass.
 * The override must carry {@code @Test} (JUnit does not run an un-annotated override, so it would
 * be silently skipped) and should assert what the backend does instead. Never {@code @Disabled}.
 */
public abstract class ObjectStoreConformanceSuite {

    private final List<ObjectStore> opened = Collections.synchronizedList(new ArrayList<>());
    private String prefix;

    /** The store under test, scoped under this test's random prefix. */
    protected ObjectStore store;

    /**
     * Opens a store of the provider under test scoped under {@code prefix} (a relative path such
     * as {@code conf-1a2b/child}; it may contain {@code /}). Two calls with the same prefix must
     * see the same objects.
     */
    protected abstract ObjectStore openStore(String prefix) throws Exception;

    /**
     * The part (block, chunk) size of the store that {@link #openStore(String)} returns. The
     * large-object tests write more than three parts of this size and read ranges across part
     * boundaries. Default 5 MiB, the S3 minimum; a store without parts may return anything small.
     */
    protected int largeObjectPartSize() {
        return 5 * 1024 * 1024;
    }

    /** How many keys the listing-paging test writes; must exceed 1,000 (the usual page size). */
    protected int listingKeyCount() {
        return 1_050;
    }

    @BeforeEach
    final void openFreshStore(TestInfo info) throws Exception {
        prefix = "conf-" + UUID.randomUUID().toString().substring(0, 13);
        store = open(prefix);
    }

    @AfterEach
    final void cleanUpAndClose() throws Exception {
        try {
            ObjectStore root = open(prefix);
            ObjectIterator it = root.list("");
            while (it.hasNext()) {
                root.delete(it.next().key());
            }
        } catch (IOException | RuntimeException e) {
            // best effort: a leftover test prefix is harmless, the test verdict matters more
        }
        synchronized (opened) {
            for (ObjectStore s : opened) {
                s.close();
            }
            opened.clear();
        }
    }

    /** The random prefix of the current test. */
    protected final String prefix() {
        return prefix;
    }

    /** Opens another store under this test's area; closed after the test. */
    protected final ObjectStore open(String storePrefix) throws Exception {
        ObjectStore s = openStore(storePrefix);
        opened.add(s);
        return s;
    }

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
        assertThat(store.readAll("doc")).isEqualTo(old);
    }

    @Test
    public void abortLeavesNothing() throws Exception {
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

        assertThat(store.readAll("big")).isEqualTo(old);
        assertThat(keys(store.list(""))).containsExactly("big");
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

    // ---------------------------------------------------------------- listing

    @Test
    public void listingIsInUtf8ByteOrder() throws Exception {
        // UTF-16 order differs from UTF-8 byte order for the supplementary character vs U+FFFD,
        // and '-' < '/' < '0' catches folder-first filesystem walks.
        List<String> keys = List.of("z", "Z", "a-b", "a/b", "a0", "a.b", "é", "\uFFFD", "\uD83D\uDE00", "ab", "a~", "B/x");
        for (String key : keys) {
            store.put(key, utf8(key), WriteMode.OVERWRITE);
        }
        List<String> expected = new ArrayList<>(keys);
        expected.sort(ObjectKeys.UTF8_ORDER);

        assertThat(keys(store.list(""))).containsExactlyElementsOf(expected);
    }

    @Test
    public void listingPagesThroughMoreThanAThousandKeys() throws Exception {
        int count = listingKeyCount();
        assertThat(count).as("listingKeyCount() must exceed one page of 1,000").isGreaterThan(1000);
        List<String> keys = IntStream.range(0, count).mapToObj(i -> String.format("page/%05d", i)).collect(Collectors.toList());
        runConcurrently(8, keys.stream().<Callable<Void>>map(key -> () -> {
            store.put(key, utf8(key), WriteMode.OVERWRITE);
            return null;
        }).collect(Collectors.toList()));
        store.put("pagf", utf8("outside the prefix"), WriteMode.OVERWRITE);

        List<String> listed = keys(store.list("page/"));
        assertThat(listed).hasSize(count).containsExactlyElementsOf(keys);
        assertThat(keys(store.list(""))).hasSize(count + 1).endsWith("pagf");
        assertThat(keys(store.list("page/010"))).hasSize(50).startsWith("page/01000").endsWith("page/01049");
    }

    @Test
    public void listUsesStringPrefixSemantics() throws Exception {
        for (String key : List.of("p/b/c", "p/bc", "p/bd/e", "p/a", "q", "pq")) {
            store.put(key, utf8(key), WriteMode.OVERWRITE);
        }

        assertThat(keys(store.list("p/b"))).containsExactly("p/b/c", "p/bc", "p/bd/e");
        assertThat(keys(store.list("p/b/"))).containsExactly("p/b/c");
        assertThat(keys(store.list("p"))).containsExactly("p/a", "p/b/c", "p/bc", "p/bd/e", "pq");
        assertThat(keys(store.list("p/"))).containsExactly("p/a", "p/b/c", "p/bc", "p/bd/e");
        assertThat(keys(store.list(""))).containsExactly("p/a", "p/b/c", "p/bc", "p/bd/e", "pq", "q");
        assertThat(keys(store.list("nothing"))).isEmpty();
        assertThat(keys(store.list("p/b/c/deeper"))).isEmpty();
    }

    @Test
    public void siblingPrefixesAreIsolated() throws Exception {
        ObjectStore a = open(prefix() + "/a");
        ObjectStore ab = open(prefix() + "/ab");
        a.put("k", utf8("in a"), WriteMode.OVERWRITE);
        ab.put("k", utf8("in ab"), WriteMode.OVERWRITE);
        ab.put("only-ab", utf8("x"), WriteMode.OVERWRITE);

        assertThat(keys(a.list(""))).containsExactly("k");
        assertThat(a.readAll("k")).isEqualTo(utf8("in a"));
        assertThatThrownBy(() -> a.stat("only-ab")).isInstanceOf(NoSuchObjectException.class);
        assertThat(keys(ab.list(""))).containsExactly("k", "only-ab");
        assertThat(ab.readAll("k")).isEqualTo(utf8("in ab"));
        // The parent sees both, with keys relative to its own prefix.
        assertThat(keys(store.list(""))).containsExactly("a/k", "ab/k", "ab/only-ab");

        a.delete("k");
        assertThat(ab.readAll("k")).isEqualTo(utf8("in ab"));
    }

    // ---------------------------------------------------------------- delete

    @Test
    public void deleteIsIdempotent() throws Exception {
        store.delete("never/existed");
        store.put("d/x", utf8("x"), WriteMode.OVERWRITE);
        store.put("d/y", utf8("y"), WriteMode.OVERWRITE);

        store.delete("d/x");
        store.delete("d/x");

        assertThatThrownBy(() -> store.stat("d/x")).isInstanceOf(NoSuchObjectException.class);
        assertThat(keys(store.list(""))).containsExactly("d/y");
        assertThat(store.readAll("d/y")).isEqualTo(utf8("y"));
        // A key that is only a "folder" of other keys is not an object; deleting it removes nothing.
        store.delete("d");
        assertThat(keys(store.list(""))).containsExactly("d/y");
    }

    // ---------------------------------------------------------------- conditional create

    @Test
    public void conditionalCreateSucceedsWhenAbsent() throws Exception {
        store.put("cas", utf8("first"), WriteMode.IF_ABSENT);

        assertThat(store.readAll("cas")).isEqualTo(utf8("first"));
    }

    @Test
    public void conditionalCreateIsRefusedWhenKeyExists() throws Exception {
        store.put("cas", utf8("original"), WriteMode.OVERWRITE);

        assertThatThrownBy(() -> store.put("cas", utf8("intruder"), WriteMode.IF_ABSENT))
                .isInstanceOf(ObjectAlreadyExistsException.class)
                .satisfies(e -> assertThat(((ObjectAlreadyExistsException) e).key()).isEqualTo("cas"));
        assertThat(store.readAll("cas")).isEqualTo(utf8("original"));
        assertThat(store.stat("cas").size()).isEqualTo(8);
    }

    @Test
    public void conditionalCreateIsDecidedAtPublishTime() throws Exception {
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

    // ---------------------------------------------------------------- keys

    @Test
    public void unicodeAndSpecialCharacterKeys() throws Exception {
        List<String> keys = List.of(
                "unicode/日本語/ファイル.bin",
                "unicode/Ελληνικά/файл",
                "unicode/emoji/\uD83D\uDE00\uD83D\uDCE6",
                "special/a b+c%20d?e#f&g=h;i,j'k\"l",
                "special/(paren)[bracket]{brace}!$*@:~",
                "special/tab-less\\backslash");
        for (String key : keys) {
            store.put(key, utf8("content of " + key), WriteMode.OVERWRITE);
        }

        for (String key : keys) {
            assertThat(store.readAll(key)).as(key).isEqualTo(utf8("content of " + key));
            assertThat(store.stat(key).key()).isEqualTo(key);
        }
        List<String> expected = new ArrayList<>(keys);
        expected.sort(ObjectKeys.UTF8_ORDER);
        assertThat(keys(store.list(""))).containsExactlyElementsOf(expected);
        assertThat(keys(store.list("unicode/日本語/"))).containsExactly("unicode/日本語/ファイル.bin");
        assertThat(keys(store.list("special/a b+"))).containsExactly("special/a b+c%20d?e#f&g=h;i,j'k\"l");
    }

    @Test
    public void deeplyNestedAndLongestKeys() throws Exception {
        String deep = IntStream.range(0, 60).mapToObj(i -> "d" + i).collect(Collectors.joining("/")) + "/leaf";
        String segment = "x".repeat(100);
        String longest = (segment + "/").repeat(7) + "y".repeat(ObjectKeys.MAX_KEY_BYTES - 7 * 101);
        assertThat(longest.getBytes(StandardCharsets.UTF_8)).hasSize(ObjectKeys.MAX_KEY_BYTES);

        store.put(deep, utf8("deep"), WriteMode.OVERWRITE);
        store.put(longest, utf8("long"), WriteMode.OVERWRITE);

        assertThat(store.readAll(deep)).isEqualTo(utf8("deep"));
        assertThat(store.readAll(longest)).isEqualTo(utf8("long"));
        assertThat(keys(store.list("d0/d1/d2/"))).containsExactly(deep);
        assertThat(keys(store.list(""))).containsExactly(deep, longest);
        store.delete(deep);
        assertThat(keys(store.list(""))).containsExactly(longest);
    }

    @Test
    public void invalidKeysAreRejected() throws Exception {
        List<String> invalid = List.of("", "/a", "a/", "a//b", ".", "..", "a/./b", "a/../b", "../escape",
                "a\u0000b", "a\nb", "tab\there", "x".repeat(ObjectKeys.MAX_KEY_BYTES + 1));
        for (String key : invalid) {
            assertThatThrownBy(() -> store.create(key, WriteMode.OVERWRITE)).as("create %s", key).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> store.put(key, new byte[1], WriteMode.IF_ABSENT)).as("put %s", key).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> store.open(key)).as("open %s", key).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> store.open(key, 0, 1)).as("open range %s", key).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> store.stat(key)).as("stat %s", key).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> store.delete(key)).as("delete %s", key).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> store.create(null, WriteMode.OVERWRITE)).isInstanceOf(IllegalArgumentException.class);
        assertThat(store.list("").toList()).isEmpty();
    }

    // ---------------------------------------------------------------- helpers

    private void assertInvisible(String key) throws IOException {
        assertThatThrownBy(() -> store.stat(key)).as("stat of %s", key).isInstanceOf(NoSuchObjectException.class);
        assertThatThrownBy(() -> store.open(key)).as("open of %s", key).isInstanceOf(NoSuchObjectException.class);
        assertThat(keys(store.list(""))).as("listing").doesNotContain(key);
    }

    private byte[] range(String key, long offset, long length) throws IOException {
        try (InputStream in = store.open(key, offset, length)) {
            return in.readAllBytes();
        }
    }

    private static byte[] slice(byte[] content, int from, int to) {
        byte[] result = new byte[to - from];
        System.arraycopy(content, from, result, 0, result.length);
        return result;
    }

    /** The keys of a listing, in listing order. */
    protected static List<String> keys(ObjectIterator iterator) throws IOException {
        return iterator.toList().stream().map(ObjectInfo::key).collect(Collectors.toList());
    }

    protected static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Runs the tasks on {@code threads} threads; rethrows the first failure. */
    protected static void runConcurrently(int threads, List<? extends Callable<?>> tasks) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (Callable<?> task : tasks) {
                futures.add(pool.submit(task));
            }
            for (Future<?> future : futures) {
                future.get(2, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
