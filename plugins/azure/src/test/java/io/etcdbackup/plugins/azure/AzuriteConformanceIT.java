package io.etcdbackup.plugins.azure;

import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.ObjectStores;
import io.etcdbackup.stores.StoreContext;
import io.etcdbackup.stores.conformance.ObjectStoreConformanceSuite;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import io.etcdbackup.stores.WriteMode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The conformance suite against Azurite, started by this test (never skipped: if Azurite cannot
 * be installed or started the whole class fails). The store is opened by URL through the
 * ServiceLoader, exactly as the agent does, with 1 MiB blocks so multi-block paths run quickly.
 */
final class AzuriteConformanceIT extends ObjectStoreConformanceSuite {

    private static final String CONTAINER = "conformance";
    private static final int BLOCK = 1024 * 1024;
    private static Azurite azurite;

    @BeforeAll
    static void startAzurite() throws Exception {
        azurite = Azurite.start();
        azurite.createContainer(CONTAINER);
    }

    @AfterAll
    static void stopAzurite() throws Exception {
        if (azurite != null) {
            azurite.close();
        }
    }

    @Override
    protected ObjectStore openStore(String prefix) throws Exception {
        StoreContext context = new StoreContext(Map.of("AZURE_STORAGE_CONNECTION_STRING", azurite.connectionString()));
        return ObjectStores.open("azblob://" + CONTAINER + "/" + prefix + "?blockSize=" + BLOCK + "&blocksInFlight=3", context);
    }

    @Override
    protected int largeObjectPartSize() {
        return BLOCK;
    }

    /**
     * Quirk: Azurite lists in UTF-16 code-unit order (JavaScript string order), not UTF-8 byte
     * order; the two differ only between supplementary characters (emoji) and U+E000..U+FFFF.
     * The provider passes the service's order through, so this asserts UTF-16 order. Keys this
     * project writes are ASCII, where both orders agree. Real Azure is checked by
     * {@link AzureRealAccountIT}, which runs the suite's version of this test unchanged.
     */
    @Test
    @Override
    public void listingIsInUtf8ByteOrder() throws Exception {
        List<String> keys = List.of("z", "Z", "a-b", "a/b", "a0", "a.b", "é", "\uFFFD", "\uD83D\uDE00", "ab", "a~", "B/x");
        for (String key : keys) {
            store.put(key, utf8(key), WriteMode.OVERWRITE);
        }
        List<String> utf16Order = new ArrayList<>(keys);
        utf16Order.sort(Comparator.naturalOrder());

        assertThat(keys(store.list(""))).containsExactlyElementsOf(utf16Order);
    }

    /**
     * Quirk: Azure turns '\\' into '/' in blob names, so the provider refuses keys with a
     * backslash (IllegalArgumentException) rather than let "a\\b" silently become "a/b". The rest
     * of the suite's test runs unchanged without that key.
     */
    @Test
    @Override
    public void unicodeAndSpecialCharacterKeys() throws Exception {
        assertThatThrownBy(() -> store.put("special/tab-less\\backslash", utf8("x"), WriteMode.OVERWRITE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'\\'");
        List<String> keys = List.of(
                "unicode/日本語/ファイル.bin",
                "unicode/Ελληνικά/файл",
                "unicode/emoji/\uD83D\uDE00\uD83D\uDCE6",
                "special/a b+c%20d?e#f&g=h;i,j'k\"l",
                "special/(paren)[bracket]{brace}!$*@:~");
        for (String key : keys) {
            store.put(key, utf8("content of " + key), WriteMode.OVERWRITE);
        }
        for (String key : keys) {
            assertThat(store.readAll(key)).as(key).isEqualTo(utf8("content of " + key));
            assertThat(store.stat(key).key()).isEqualTo(key);
        }
        List<String> expected = new ArrayList<>(keys);
        expected.sort(Comparator.naturalOrder());
        assertThat(keys(store.list(""))).containsExactlyElementsOf(expected);
        assertThat(keys(store.list("unicode/日本語/"))).containsExactly("unicode/日本語/ファイル.bin");
        assertThat(keys(store.list("special/a b+"))).containsExactly("special/a b+c%20d?e#f&g=h;i,j'k\"l");
    }
}
