package io.etcdbackup.plugins.swift;

import io.etcdbackup.stores.StoreContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

final class KeystoneCredentialsTest {

    @Test
    void passwordLoginFromEnvironmentWithSharedDomain() throws Exception {
        KeystoneCredentials c = KeystoneCredentials.from(new StoreContext(Map.of("OS_AUTH_URL", "http://k:5000/v3",
                "OS_USERNAME", "u", "OS_PASSWORD", "secret-pw", "OS_PROJECT_NAME", "p", "OS_DOMAIN_NAME", "dom",
                "OS_PROJECT_DOMAIN_NAME", "pdom")));

        assertThat(c.usesApplicationCredential()).isFalse();
        assertThat(c.userDomain()).isEqualTo("dom");
        assertThat(c.projectDomain()).isEqualTo("pdom");
        assertThat(c.toString()).doesNotContain("secret-pw");
    }

    @Test
    void credentialsDirectoryWinsOverEnvironmentAndApplicationCredentialWinsOverPassword(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("authURL"), "http://files:5000\n");
        Files.writeString(dir.resolve("username"), "file-user");
        Files.writeString(dir.resolve("password"), "file-pw");
        Files.writeString(dir.resolve("tenantName"), "file-project");
        Files.writeString(dir.resolve("applicationCredentialID"), "ac-id");
        Files.writeString(dir.resolve("applicationCredentialSecret"), "ac-secret");
        KeystoneCredentials c = KeystoneCredentials.from(new StoreContext(Map.of(KeystoneCredentials.CREDENTIALS_DIR_ENV, dir.toString(),
                "OS_AUTH_URL", "http://env:5000", "OS_USERNAME", "env-user", "OS_PASSWORD", "env-pw")));

        assertThat(c.authUrl()).isEqualTo("http://files:5000");
        assertThat(c.usesApplicationCredential()).isTrue();
        assertThat(c.appCredentialId()).isEqualTo("ac-id");
        assertThat(c.toString()).doesNotContain("ac-secret").doesNotContain("file-pw");
    }

    @Test
    void theRegionIsReadFromTheReferencesFileNameRegionAndFromRegionName(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("authURL"), "http://files:5000");
        Files.writeString(dir.resolve("domainName"), "Default");
        Files.writeString(dir.resolve("username"), "u");
        Files.writeString(dir.resolve("password"), "p");
        Files.writeString(dir.resolve("tenantName"), "t");
        Files.writeString(dir.resolve("regionName"), "RegionTwo");
        StoreContext context = new StoreContext(Map.of(KeystoneCredentials.CREDENTIALS_DIR_ENV, dir.toString()));
        assertThat(KeystoneCredentials.from(context).region()).isEqualTo("RegionTwo");
        Files.writeString(dir.resolve("region"), "eu-de-1\n"); // what gardener/etcd-backup-restore reads
        assertThat(KeystoneCredentials.from(context).region()).isEqualTo("eu-de-1");
    }

    @Test
    void missingPiecesAreNamed() {
        assertThatThrownBy(() -> KeystoneCredentials.from(StoreContext.empty())).hasMessageContaining("OS_AUTH_URL");
        assertThatThrownBy(() -> KeystoneCredentials.from(new StoreContext(Map.of("OS_AUTH_URL", "http://k", "OS_USERNAME", "u",
                "OS_PASSWORD", "p")))).hasMessageContaining("OS_PROJECT_NAME");
        assertThatThrownBy(() -> KeystoneCredentials.from(new StoreContext(Map.of("OS_AUTH_URL", "http://k",
                "OS_APPLICATION_CREDENTIAL_NAME", "n", "OS_APPLICATION_CREDENTIAL_SECRET", "s")))).hasMessageContaining("user name");
    }

    @Test
    void tokensUrlAndKeyEncoding() {
        assertThat(KeystoneSession.tokensUrl("http://k:5000")).isEqualTo("http://k:5000/v3/auth/tokens");
        assertThat(KeystoneSession.tokensUrl("http://k:5000/v3/")).isEqualTo("http://k:5000/v3/auth/tokens");
        assertThat(SwiftObjectStore.encodePath("a b/c+d?/é")).isEqualTo("a%20b/c%2Bd%3F/%C3%A9");
    }
}
