package io.etcdbackup.plugins.azure;

import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.ObjectStores;
import io.etcdbackup.stores.StoreContext;
import io.etcdbackup.stores.WriteMode;
import io.etcdbackup.stores.credentials.KubernetesSecretVolume;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Credential hot reload against Azurite with an account of the test's own: the store opens with
 * key A from a credentials directory laid out like a Kubernetes secret volume; Azurite is then
 * restarted with key B as the account's only key, so A is refused; the volume is rotated to B by a
 * {@code ..data} swap, and the same store's next call is signed with B.
 */
final class AzureCredentialRotationIT {

    private static final String ACCOUNT = "rotationaccount";
    private static final String CONTAINER = "rotation";

    @TempDir
    Path dir;

    @Test
    void theNextCallAfterAKeyRotationIsSignedWithTheNewKey() throws Exception {
        String keyA = randomKey();
        String keyB = randomKey();
        try (Azurite azurite = Azurite.startWithAccount(ACCOUNT, keyA)) {
            azurite.createContainer(CONTAINER);
            KubernetesSecretVolume volume = KubernetesSecretVolume.create(dir.resolve("azure"),
                    Map.of("storageAccount", ACCOUNT, "storageKey", keyA));
            StoreContext context = new StoreContext(Map.of(AzureCredentials.CREDENTIALS_LOCATION, volume.dir().toString()));
            try (ObjectStore store = ObjectStores.open("azblob://" + CONTAINER + "/p?endpoint=" + azurite.endpoint(), context)) {
                store.put("before", new byte[] {1}, WriteMode.IF_ABSENT);
                assertThat(store.readAll("before")).containsExactly(1);

                azurite.restartWithKey(keyB);
                azurite.createContainer(CONTAINER); // kept on disk across the restart; made sure of with key B
                assertThatThrownBy(() -> store.put("refused", new byte[] {9}, WriteMode.IF_ABSENT))
                        .as("key A is no longer accepted").hasMessageContaining("status 403");

                volume.publish(Map.of("storageAccount", ACCOUNT, "storageKey", keyB));

                store.put("after", new byte[] {2}, WriteMode.IF_ABSENT);
                assertThat(store.readAll("after")).containsExactly(2);
                assertThat(store.list("").toList()).noneMatch(info -> info.key().equals("refused"));
            }
        }
    }

    private static String randomKey() {
        byte[] key = new byte[64];
        new SecureRandom().nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }
}
