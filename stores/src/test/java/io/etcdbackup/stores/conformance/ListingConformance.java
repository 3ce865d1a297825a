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
 * The listing, key and delete half of the {@link ObjectStore} contract; run through
 * {@link ObjectStoreConformanceSuite}, which a backend's test extends.
 */
public abstract class ListingConformance extends ConformanceFixture {

    // ---------------------------------------------------------------- listing

    @Test
    public void listingIsInUtf8ByteOrder() throws Exception {
        assumeTrue(capabilities().listingOrder() != ListingOrder.UNORDERED, "the backend lists in no order");
        // UTF-16 order differs from UTF-8 byte order for the supplementary character vs U+FFFD,
        // and '-' < '/' < '0' catches folder-first filesystem walks.
        List<String> keys = List.of("z", "Z", "a-b", "a/b", "a0", "a.b", "é", "\uFFFD", "\uD83D\uDE00", "ab", "a~", "B/x");
        for (String key : keys) {
            store.put(key, utf8(key), WriteMode.OVERWRITE);
        }
        List<String> expected = new ArrayList<>(keys);
        expected.sort(ObjectKeys.UTF8_ORDER);
        if (capabilities().listingOrder() == ListingOrder.UTF16_CODE_UNITS) {
            // Declared difference: asserted as the backend gives it, so a change there shows up here.
            expected.sort(Comparator.naturalOrder());
        }

        assertThat(keys(store.list(""))).containsExactlyElementsOf(expected);
    }

    @Test
    public void listingPagesThroughMoreThanAThousandKeys() throws Exception {
        assumeShown(Contract.LISTING_PAGES);
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

        assertListed(store.list("p/b"), "p/b/c", "p/bc", "p/bd/e");
        assertListed(store.list("p/b/"), "p/b/c");
        assertListed(store.list("p"), "p/a", "p/b/c", "p/bc", "p/bd/e", "pq");
        assertListed(store.list("p/"), "p/a", "p/b/c", "p/bc", "p/bd/e");
        assertListed(store.list(""), "p/a", "p/b/c", "p/bc", "p/bd/e", "pq", "q");
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

        assertListed(a.list(""), "k");
        assertThat(a.readAll("k")).isEqualTo(utf8("in a"));
        assertThatThrownBy(() -> a.stat("only-ab")).isInstanceOf(NoSuchObjectException.class);
        assertListed(ab.list(""), "k", "only-ab");
        assertThat(ab.readAll("k")).isEqualTo(utf8("in ab"));
        // The parent sees both, with keys relative to its own prefix.
        assertListed(store.list(""), "a/k", "ab/k", "ab/only-ab");

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

    // ---------------------------------------------------------------- labels

    @Test
    public void anObjectTheStoreWroteHasNoLabelsAndAMissingKeyHasNone() throws Exception {
        assumeShown(Contract.LABELS);
        store.put("l/x", utf8("x"), WriteMode.IF_ABSENT);
        assertThat(store.labels("l/x")).isEmpty();
        assertThatThrownBy(() -> store.labels("l/missing")).isInstanceOf(NoSuchObjectException.class);
    }

    // ---------------------------------------------------------------- keys

    @Test
    public void unicodeAndSpecialCharacterKeys() throws Exception {
        assumeShown(Contract.SPECIAL_CHARACTER_KEYS);
        String backslash = "special/tab-less\\backslash";
        BackslashKeys backslashes = capabilities().backslashKeys();
        if (backslashes == BackslashKeys.REJECTED_BY_PROVIDER) {
            assertThatThrownBy(() -> store.put(backslash, utf8("x"), WriteMode.OVERWRITE))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'\\'");
        }
        List<String> keys = new ArrayList<>(List.of(
                "unicode/日本語/ファイル.bin",
                "unicode/Ελληνικά/файл",
                "unicode/emoji/\uD83D\uDE00\uD83D\uDCE6",
                "special/a b+c%20d?e#f&g=h;i,j'k\"l",
                "special/(paren)[bracket]{brace}!$*@:~"));
        if (backslashes == BackslashKeys.STORED) {
            keys.add(backslash);
        }
        for (String key : keys) {
            store.put(key, utf8("content of " + key), WriteMode.OVERWRITE);
        }

        for (String key : keys) {
            assertThat(store.readAll(key)).as(key).isEqualTo(utf8("content of " + key));
            assertThat(store.stat(key).key()).isEqualTo(key);
        }
        assertListed(store.list(""), keys.toArray(String[]::new));
        assertListed(store.list("unicode/日本語/"), "unicode/日本語/ファイル.bin");
        assertListed(store.list("special/a b+"), "special/a b+c%20d?e#f&g=h;i,j'k\"l");
        if (backslashes == BackslashKeys.REFUSED_BY_SERVER) {
            // It must fail loudly, not be stored under another name.
            assertThatThrownBy(() -> store.put(backslash, utf8("x"), WriteMode.OVERWRITE))
                    .isInstanceOf(IOException.class).hasMessageContaining("HTTP 400");
            assertListed(store.list(""), keys.toArray(String[]::new));
        }
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
        assertListed(store.list("d0/d1/d2/"), deep);
        assertListed(store.list(""), deep, longest);
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
}
