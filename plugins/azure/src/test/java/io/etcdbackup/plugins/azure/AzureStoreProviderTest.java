package io.etcdbackup.plugins.azure;

import io.etcdbackup.stores.StoreOptions;
import com.azure.core.credential.AzureNamedKeyCredential;
import io.etcdbackup.stores.ObjectStores;
import io.etcdbackup.stores.StoreContext;
import io.etcdbackup.stores.StoreUrl;
import io.etcdbackup.stores.credentials.KubernetesSecretVolume;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Credential resolution and URL options; no network. */
final class AzureStoreProviderTest {

    @TempDir
    Path dir;

    @Test
    void registeredForAzblobScheme() {
        assertThat(ObjectStores.providers()).containsKey("azblob");
        assertThat(ObjectStores.providers().get("azblob")).isInstanceOf(AzureStoreProvider.class);
    }

    @Test
    void connectionStringWinsOverEverythingElse() throws IOException {
        AzureCredentials c = resolve(Map.of("AZURE_STORAGE_CONNECTION_STRING", "AccountName=a;AccountKey=k",
                "AZURE_STORAGE_ACCOUNT", "acct", "AZURE_STORAGE_KEY", "key"), Optional.empty());
        assertThat(c.kind()).isEqualTo(AzureCredentials.Kind.CONNECTION_STRING);
        assertThat(c.endpoint()).isNull();
    }

    @Test
    void accountAndKeyFromEnvironmentBeforeCredentialsDirectory() throws IOException {
        AzureCredentials c = resolve(Map.of("AZURE_STORAGE_ACCOUNT", "acct", "AZURE_STORAGE_KEY", "key",
                "AZURE_APPLICATION_CREDENTIALS", dir.toString()), Optional.empty());
        assertThat(c.kind()).isEqualTo(AzureCredentials.Kind.ACCOUNT_KEY);
        assertThat(c.endpoint()).isEqualTo("https://acct.blob.core.windows.net");
        assertThat(c.secret()).isEqualTo("key");
    }

    @Test
    void credentialsDirectoryWithSovereignDomain() throws IOException {
        mount("storageAccount", "myacct\n", "storageKey", "c2VjcmV0\n", "domain", "blob.core.chinacloudapi.cn");
        AzureCredentials c = resolve(Map.of("AZURE_APPLICATION_CREDENTIALS", dir.toString()), Optional.empty());
        assertThat(c.kind()).isEqualTo(AzureCredentials.Kind.CREDENTIALS_FILES);
        assertThat(c.account()).isEqualTo("myacct");
        assertThat(c.secret()).isEqualTo("c2VjcmV0");
        assertThat(c.endpoint()).isEqualTo("https://myacct.blob.core.chinacloudapi.cn");
    }

    @Test
    void credentialsDirectoryWithEmulatorEnabledAndEndpointOption() throws IOException {
        mount("storageAccount", "devstoreaccount1", "storageKey", "a2V5", "emulatorEnabled", "true");
        Map<String, String> env = Map.of("AZURE_APPLICATION_CREDENTIALS", dir.toString());
        assertThat(resolve(env, Optional.empty()).endpoint()).isEqualTo("http://127.0.0.1:10000/devstoreaccount1");
        assertThat(resolve(env, Optional.of("http://127.0.0.1:4242/devstoreaccount1")).endpoint())
                .isEqualTo("http://127.0.0.1:4242/devstoreaccount1");
    }

    @Test
    void credentialsJsonFile() throws IOException {
        Path json = dir.resolve("azure.json");
        Files.writeString(json, "{\"storageAccount\": \"jsonacct\", \"storageKey\": \"a2V5\", \"emulatorEnabled\": false}");
        AzureCredentials c = resolve(Map.of("AZURE_APPLICATION_CREDENTIALS", json.toString()), Optional.empty());
        assertThat(c.account()).isEqualTo("jsonacct");
        assertThat(c.endpoint()).isEqualTo("https://jsonacct.blob.core.windows.net");
    }

    @Test
    void credentialsDirectoryWithoutKeyNamesTheMissingFile() throws IOException {
        Files.writeString(dir.resolve("storageAccount"), "acct");
        assertThatThrownBy(() -> resolve(Map.of("AZURE_APPLICATION_CREDENTIALS", dir.toString()), Optional.empty()))
                .isInstanceOf(IOException.class).hasMessageContaining("storageKey").hasMessageContaining(dir.toString());
    }

    @Test
    void aRotatedKeyInTheCredentialsDirectoryReplacesTheClientsKeyButAnotherAccountIsRefused() throws IOException {
        KubernetesSecretVolume volume = KubernetesSecretVolume.create(dir.resolve("azure"),
                Map.of("storageAccount", "acct", "storageKey", "a2V5LUE="));
        AzureCredentials c = resolve(Map.of("AZURE_APPLICATION_CREDENTIALS", volume.dir().toString()), Optional.empty());
        AzureNamedKeyCredential key = new AzureNamedKeyCredential(c.account(), c.secret());
        MountedAccountKeyPolicy policy = new MountedAccountKeyPolicy(c.mounted(), c.account(), key);

        volume.publish(Map.of("storageAccount", "acct", "storageKey", "a2V5LUI="));
        policy.refresh();

        assertThat(key.getAzureNamedKey().getKey()).isEqualTo("a2V5LUI=");

        volume.publish(Map.of("storageAccount", "other", "storageKey", "a2V5LUM="));

        assertThatThrownBy(policy::refresh).hasMessageContaining("'other'").hasMessageContaining("'acct'")
                .hasMessageContaining("restart").hasMessageNotContaining("a2V5");
        assertThat(key.getAzureNamedKey().getKey()).isEqualTo("a2V5LUI=");
    }

    @Test
    void sasTokenIsTheLastSource() throws IOException {
        AzureCredentials c = resolve(Map.of("AZURE_STORAGE_ACCOUNT", "acct", "AZURE_STORAGE_SAS_TOKEN", "sv=2024&sig=abc"), Optional.empty());
        assertThat(c.kind()).isEqualTo(AzureCredentials.Kind.SAS_TOKEN);
        assertThat(c.endpoint()).isEqualTo("https://acct.blob.core.windows.net");
    }

    @Test
    void anAccountWithLoginAuthModeUsesTheAzureIdentityChain() throws IOException {
        AzureCredentials c = resolve(Map.of("AZURE_STORAGE_ACCOUNT", "acct", "AZURE_STORAGE_AUTH_MODE", "login"), Optional.empty());
        assertThat(c.kind()).isEqualTo(AzureCredentials.Kind.IDENTITY);
        assertThat(c.endpoint()).isEqualTo("https://acct.blob.core.windows.net");
        // The client is built without contacting Azure; tokens are fetched on the first call.
        assertThat(AzureStoreProvider.containerClient(c, "backups").getBlobContainerUrl())
                .isEqualTo("https://acct.blob.core.windows.net/backups");
    }

    @Test
    void workloadIdentityVariablesSelectTheIdentityChainButAKeyStillWins() throws IOException {
        assertThat(resolve(Map.of("AZURE_STORAGE_ACCOUNT", "acct", "AZURE_FEDERATED_TOKEN_FILE", "/var/run/token"), Optional.empty()).kind())
                .isEqualTo(AzureCredentials.Kind.IDENTITY);
        assertThat(resolve(Map.of("AZURE_STORAGE_ACCOUNT", "acct", "AZURE_STORAGE_KEY", "a2V5", "AZURE_CLIENT_ID", "id"),
                Optional.empty()).kind()).isEqualTo(AzureCredentials.Kind.ACCOUNT_KEY);
    }

    @Test
    void noCredentialsNamesEverySource() {
        assertThatThrownBy(() -> resolve(Map.of("AZURE_STORAGE_ACCOUNT", "acct"), Optional.empty()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("AZURE_STORAGE_CONNECTION_STRING").hasMessageContaining("AZURE_APPLICATION_CREDENTIALS")
                .hasMessageContaining("AZURE_STORAGE_SAS_TOKEN").hasMessageContaining("neither AZURE_STORAGE_KEY")
                .hasMessageContaining("AZURE_STORAGE_AUTH_MODE=login");
    }

    @Test
    void secretsNeverInToString() throws IOException {
        String text = resolve(Map.of("AZURE_STORAGE_ACCOUNT", "acct", "AZURE_STORAGE_KEY", "TOP-SECRET"), Optional.empty()).toString();
        assertThat(text).contains("acct").doesNotContain("TOP-SECRET");
        String cs = resolve(Map.of("AZURE_STORAGE_CONNECTION_STRING", "AccountKey=TOP-SECRET"), Optional.empty()).toString();
        assertThat(cs).doesNotContain("TOP-SECRET");
    }

    @Test
    void optionsAreParsedAndUnknownOnesRejected() {
        AzureObjectStore.Settings s = AzureStoreProvider.settings(StoreUrl.parse("azblob://c/p?blockSize=2MiB&blocksInFlight=2&pageSize=10"));
        assertThat(s).isEqualTo(new AzureObjectStore.Settings(2 * 1024 * 1024, 2, 10));
        assertThat(AzureStoreProvider.settings(StoreUrl.parse("azblob://c/p")))
                .isEqualTo(new AzureObjectStore.Settings(8 * 1024 * 1024, 4, 1000));
        assertThatThrownBy(() -> AzureStoreProvider.settings(StoreUrl.parse("azblob://c/p?blocksize=1")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[blocksize]");
        assertThatThrownBy(() -> AzureStoreProvider.settings(StoreUrl.parse("azblob://c/p?blockSize=2GiB")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("blockSize='2GiB'");
        assertThatThrownBy(() -> AzureStoreProvider.settings(StoreUrl.parse("azblob://c/p?pageSize=6000")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pageSize='6000'");
    }

    private static AzureCredentials resolve(Map<String, String> env, Optional<String> endpoint) throws IOException {
        return AzureCredentials.resolve(new StoreContext(env), endpoint);
    }

    @Test
    void kebabCaseOptionsAndTheOldCamelCaseSpellingsWarningOnce() {
        assertThat(AzureStoreProvider.settings(StoreUrl.parse("azblob://c/p?block-size=2MiB&blocks-in-flight=2&page-size=10")))
                .isEqualTo(new AzureObjectStore.Settings(2 * 1024 * 1024, 2, 10));
        assertThat(AzureStoreProvider.settings(StoreUrl.parse("azblob://c/p?blockSize=64Mi")).blockSize()).isEqualTo(64 * 1024 * 1024);
        assertThat(AzureStoreProvider.settings(StoreUrl.parse("azblob://c/p?blockSize=1MiB")).blockSize()).isEqualTo(1024 * 1024);
        assertThat(StoreOptions.deprecationWarnings("azblob", "blockSize")).isEqualTo(1);
    }

    /** Writes the credentials directory's files: name, content, name, content, ... */
    private void mount(String... namesAndContents) throws IOException {
        for (int i = 0; i < namesAndContents.length; i += 2) {
            Files.writeString(dir.resolve(namesAndContents[i]), namesAndContents[i + 1]);
        }
    }

}
