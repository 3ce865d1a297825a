package io.etcdbackup.plugins.gcs;

import io.etcdbackup.stores.StoreOptions;
import io.etcdbackup.stores.ObjectStores;
import io.etcdbackup.stores.StoreContext;
import io.etcdbackup.stores.StoreUrl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** URL options and where credentials are looked for; no network. */
final class GcsStoreProviderTest {

    @TempDir
    Path dir;

    @Test
    void registeredForGsScheme() {
        assertThat(ObjectStores.providers().get("gs")).isInstanceOf(GcsStoreProvider.class);
    }

    @Test
    void optionsAreParsedAndUnknownOnesRejected() {
        assertThat(GcsStoreProvider.settings(StoreUrl.parse("gs://b/p?chunkSize=1MiB&pageSize=50")))
                .isEqualTo(new GcsObjectStore.Settings(1024 * 1024, 50));
        assertThat(GcsStoreProvider.settings(StoreUrl.parse("gs://b/p")))
                .isEqualTo(new GcsObjectStore.Settings(16 * 1024 * 1024, 1000));
        assertThatThrownBy(() -> GcsStoreProvider.settings(StoreUrl.parse("gs://b/p?chunksize=1MiB")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[chunksize]");
        assertThatThrownBy(() -> GcsStoreProvider.settings(StoreUrl.parse("gs://b/p?chunkSize=300KiB")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("multiple of 256 KiB");
    }

    @Test
    void credentialsFileOrDirectoryWithServiceAccountJson() throws IOException {
        Path file = Files.writeString(dir.resolve("sa.json"), "{}");
        assertThat(GcsStoreProvider.credentialsFile(context(file.toString()))).contains(file);
        Path inDir = Files.writeString(dir.resolve("serviceaccount.json"), "{}");
        assertThat(GcsStoreProvider.credentialsFile(context(dir.toString()))).contains(inDir);
        assertThat(GcsStoreProvider.credentialsFile(StoreContext.empty())).isEmpty();
    }

    @Test
    void missingCredentialsFileIsNamed() {
        Path missing = dir.resolve("nope.json");
        assertThatThrownBy(() -> GcsStoreProvider.credentialsFile(context(missing.toString())))
                .isInstanceOf(IOException.class).hasMessageContaining("GOOGLE_APPLICATION_CREDENTIALS").hasMessageContaining(missing.toString());
    }

    @Test
    void unreadableServiceAccountJsonFailsWithTheFileName() throws IOException {
        Path bad = Files.writeString(dir.resolve("bad.json"), "{\"type\": \"service_account\"}");
        assertThatThrownBy(() -> ObjectStores.open("gs://bucket/prefix", context(bad.toString())))
                .isInstanceOf(IOException.class).hasMessageContaining(bad.toString());
    }

    private static StoreContext context(String credentials) {
        return new StoreContext(Map.of("GOOGLE_APPLICATION_CREDENTIALS", credentials));
    }

    @Test
    void kebabCaseOptionsAndTheOldCamelCaseSpellingsWarningOnce() {
        assertThat(GcsStoreProvider.settings(StoreUrl.parse("gs://b/p?chunk-size=1MiB&page-size=50")))
                .isEqualTo(new GcsObjectStore.Settings(1024 * 1024, 50));
        assertThat(GcsStoreProvider.settings(StoreUrl.parse("gs://b/p?chunkSize=2Mi")).chunkSize()).isEqualTo(2 * 1024 * 1024);
        assertThat(GcsStoreProvider.settings(StoreUrl.parse("gs://b/p?chunkSize=512KiB")).chunkSize()).isEqualTo(512 * 1024);
        assertThat(StoreOptions.deprecationWarnings("gs", "chunkSize")).isEqualTo(1);
    }
}
