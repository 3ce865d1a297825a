package io.etcdbackup.plugins.gcs;

import io.etcdbackup.stores.NoSuchObjectException;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.StoreContext;
import io.etcdbackup.stores.StoreUrl;
import io.etcdbackup.stores.credentials.KubernetesSecretVolume;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.util.Base64;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Credential hot reload at the protocol level: the store talks to {@link FakeGoogleAuthServer}, which
 * issues an access token to whichever service account signs a token request and accepts the token
 * of one account at a time. The service-account JSON in a Kubernetes-style secret volume (named by
 * {@code GOOGLE_APPLICATION_CREDENTIALS}, as the reference mounts it) is rotated from account A to
 * account B, A is revoked on the server, and the same store authenticates its next call as B.
 * A lookup of a missing object answers "no such object" only to an accepted token, so each
 * {@link NoSuchObjectException} below proves the call was authorized.
 */
final class GcsCredentialRotationTest {

    private static final String ACCOUNT_A = "backup-a@rotation-test.iam.gserviceaccount.com";
    private static final String ACCOUNT_B = "backup-b@rotation-test.iam.gserviceaccount.com";
    private static final String FILE = "serviceaccount.json";
    private static String keyA;
    private static String keyB;

    @TempDir
    Path dir;
    private FakeGoogleAuthServer google;
    private KubernetesSecretVolume volume;
    private ObjectStore store;

    @BeforeAll
    static void generateKeys() throws GeneralSecurityException {
        keyA = pkcs8Pem();
        keyB = pkcs8Pem();
    }

    @BeforeEach
    void openAsAccountA() throws IOException {
        google = new FakeGoogleAuthServer(ACCOUNT_A);
        volume = KubernetesSecretVolume.create(dir.resolve("gcs-secret"), Map.of(FILE, serviceAccount(ACCOUNT_A, keyA)));
        store = new GcsStoreProvider().open(StoreUrl.parse("gs://rotation/prefix?endpoint=" + google.endpoint()),
                new StoreContext(Map.of(GcsStoreProvider.CREDENTIALS, volume.dir().toString())));
    }

    @AfterEach
    void close() throws IOException {
        store.close();
        google.close();
    }

    @Test
    void theNextCallAfterARotationAuthenticatesAsTheNewServiceAccount() throws IOException {
        assertThatThrownBy(() -> store.stat("missing")).isInstanceOf(NoSuchObjectException.class);
        assertThatThrownBy(() -> store.open("missing")).isInstanceOf(NoSuchObjectException.class);
        assertThat(google.tokenRequests()).containsOnly(ACCOUNT_A);

        google.acceptOnly(ACCOUNT_B);
        assertThatThrownBy(() -> store.stat("missing")).as("account A is revoked on the server")
                .isInstanceOf(IOException.class).isNotInstanceOf(NoSuchObjectException.class).hasMessageContaining("401");
        volume.publish(Map.of(FILE, serviceAccount(ACCOUNT_B, keyB)));

        int requestsBefore = google.storageAuthorizations().size();
        assertThatThrownBy(() -> store.stat("missing")).isInstanceOf(NoSuchObjectException.class);
        assertThatThrownBy(() -> store.open("missing")).isInstanceOf(NoSuchObjectException.class);
        assertThat(google.tokenRequests()).endsWith(ACCOUNT_B).containsOnlyOnce(ACCOUNT_B);
        assertThat(google.storageAuthorizations().subList(requestsBefore, google.storageAuthorizations().size()))
                .as("every call after the rotation, first attempts included, carries B's token")
                .containsOnly("Bearer token-for-" + ACCOUNT_B);
    }

    @Test
    void aBrokenRotationFailsEachCallNamingTheFileUntilAUsableVersionArrives() throws IOException {
        assertThatThrownBy(() -> store.stat("missing")).isInstanceOf(NoSuchObjectException.class);
        Path file = volume.dir().resolve(FILE);
        String keyText = keyB.substring(keyB.indexOf('\n') + 1, keyB.indexOf('\n') + 41);
        int requestsBefore = google.storageAuthorizations().size();

        // Cut off in the middle of the private key: not JSON.
        String truncated = serviceAccount(ACCOUNT_B, keyB);
        volume.publish(Map.of(FILE, truncated.substring(0, truncated.indexOf(keyText) + 60)));
        for (int i = 0; i < 2; i++) {
            assertThatThrownBy(() -> store.stat("missing")).isInstanceOf(IOException.class)
                    .isNotInstanceOf(NoSuchObjectException.class)
                    .hasMessageContaining(file.toString()).hasMessageNotContaining(keyText);
        }
        // Valid JSON without a private key.
        volume.publish(Map.of(FILE, serviceAccount(ACCOUNT_B, keyB).replace("\"private_key\"", "\"private_key_missing\"")));
        assertThatThrownBy(() -> store.open("missing")).isInstanceOf(IOException.class)
                .isNotInstanceOf(NoSuchObjectException.class)
                .hasMessageContaining(file.toString()).hasMessageNotContaining(keyText);
        assertThat(google.storageAuthorizations().size()).as("no request reached storage with the old account's token")
                .isEqualTo(requestsBefore);

        google.acceptOnly(ACCOUNT_B);
        volume.publish(Map.of(FILE, serviceAccount(ACCOUNT_B, keyB)));

        assertThatThrownBy(() -> store.stat("missing")).isInstanceOf(NoSuchObjectException.class);
    }

    private String serviceAccount(String email, String privateKeyPem) {
        return "{\n"
                + "  \"type\": \"service_account\",\n"
                + "  \"project_id\": \"rotation-test\",\n"
                + "  \"private_key_id\": \"" + Integer.toHexString(privateKeyPem.hashCode()) + "\",\n"
                + "  \"private_key\": \"" + privateKeyPem.replace("\n", "\\n") + "\",\n"
                + "  \"client_email\": \"" + email + "\",\n"
                + "  \"client_id\": \"" + Math.abs(email.hashCode()) + "\",\n"
                + "  \"auth_uri\": \"https://accounts.google.com/o/oauth2/auth\",\n"
                + "  \"token_uri\": \"" + google.tokenUri() + "\"\n"
                + "}\n";
    }

    /** A fresh 2048-bit RSA private key as PKCS#8 PEM, the form of a service-account key. */
    private static String pkcs8Pem() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        PrivateKey key = generator.generateKeyPair().getPrivate();
        return "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(key.getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
    }
}
