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
 * The fixture under {@link ObjectStoreConformanceSuite}: the store under test in a fresh random
 * prefix per test ({@code conf-<random>}), the hooks a backend's subclass may override, and the
 * helpers the tests share. Stores opened through {@link #open(String)} are closed after the
 * test, and what the test wrote is deleted (best effort) so real buckets stay clean.
 */
public abstract class ConformanceFixture {


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

    /** What the backend under test does differently; default: everything the SPI says. */
    protected StoreCapabilities capabilities() {
        return StoreCapabilities.standard();
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

    // ---------------------------------------------------------------- helpers

    /** Skips the test, naming the reason, when the backend cannot show {@code contract}. */
    protected final void assumeShown(Contract contract) {
        capabilities().whyNot(contract).ifPresent(reason -> assumeTrue(false, reason));
    }

    /**
     * Asserts a listing holds exactly {@code expected}, in the backend's declared order (for ASCII
     * keys every declared order is UTF-8 order; an unordered backend is compared as a set).
     */
    protected final void assertListed(ObjectIterator listing, String... expected) throws IOException {
        List<String> listed = keys(listing);
        List<String> ordered = new ArrayList<>(List.of(expected));
        ordered.sort(capabilities().listingOrder().comparator());
        if (capabilities().listingOrder() == ListingOrder.UNORDERED) {
            assertThat(listed).containsExactlyInAnyOrderElementsOf(ordered);
        } else {
            assertThat(listed).containsExactlyElementsOf(ordered);
        }
    }

    /** After an aborted upload the published version is still there; the declared upstream bug deletes it. */
    protected final void assertStillPublishedAfterAbort(String key, byte[] published) throws IOException {
        if (capabilities().abortDeletesPublishedObject()) {
            // Upstream bug, asserted so that a fix makes this fail and the declaration go.
            assertThatThrownBy(() -> store.readAll(key)).isInstanceOf(NoSuchObjectException.class);
        } else {
            assertThat(store.readAll(key)).isEqualTo(published);
        }
    }

    protected final void assertInvisible(String key) throws IOException {
        assertThatThrownBy(() -> store.stat(key)).as("stat of %s", key).isInstanceOf(NoSuchObjectException.class);
        assertThatThrownBy(() -> store.open(key)).as("open of %s", key).isInstanceOf(NoSuchObjectException.class);
        assertThat(keys(store.list(""))).as("listing").doesNotContain(key);
    }

    protected final byte[] range(String key, long offset, long length) throws IOException {
        try (InputStream in = store.open(key, offset, length)) {
            return in.readAllBytes();
        }
    }

    protected static byte[] slice(byte[] content, int from, int to) {
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
