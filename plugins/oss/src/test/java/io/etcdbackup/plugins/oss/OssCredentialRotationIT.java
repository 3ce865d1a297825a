package io.etcdbackup.plugins.oss;

import io.etcdbackup.stores.ObjectInfo;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.ObjectStores;
import io.etcdbackup.stores.StoreContext;
import io.etcdbackup.stores.TransientStoreException;
import io.etcdbackup.stores.WriteMode;
import io.etcdbackup.stores.credentials.KubernetesSecretVolume;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Credential hot reload against {@link FakeOssServer}, which accepts one access key at a time: the
 * key in the mounted credentials directory is rotated the way Kubernetes rotates a secret volume,
 * the server stops accepting the old key, and the same store signs its next call with the new one.
 */
final class OssCredentialRotationIT {

    private static final String BUCKET = "rotation";

    @TempDir
    Path dir;
    private FakeOssServer oss;
    private KubernetesSecretVolume volume;
    private ObjectStore store;

    @BeforeEach
    void openWithKeyA() throws IOException {
        oss = new FakeOssServer(BUCKET, "id-A", "secret-A");
        volume = KubernetesSecretVolume.create(dir.resolve("alicloud"), key("id-A", "secret-A"));
        store = ObjectStores.open("oss://" + BUCKET + "/p?path_style=true",
                new StoreContext(Map.of(OssCredentials.CREDENTIALS_DIR_ENV, volume.dir().toString())));
    }

    @AfterEach
    void close() throws IOException {
        store.close();
        oss.close();
    }

    @Test
    void theNextCallAfterARotationSignsWithTheNewKey() throws IOException {
        store.put("before", new byte[] {1}, WriteMode.IF_ABSENT);

        oss.acceptOnly("id-B", "secret-B");
        assertThatThrownBy(() -> store.readAll("before")).as("key A is revoked on the server")
                .hasMessageContaining("InvalidAccessKeyId");
        volume.publish(key("id-B", "secret-B"));

        store.put("after", new byte[] {2}, WriteMode.IF_ABSENT);
        assertThat(store.readAll("before")).containsExactly(1);
        assertThat(store.list("").toList()).extracting(ObjectInfo::key).containsExactly("after", "before");
    }

    @Test
    void aRotationThatLeavesOutTheSecretFailsEachCallByNameUntilTheSecretArrives() throws IOException {
        store.put("before", new byte[] {1}, WriteMode.IF_ABSENT);

        volume.publish(Map.of("accessKeyID", "id-B", "storageEndpoint", oss.endpoint()));

        assertThatThrownBy(() -> store.stat("before")).isInstanceOf(IOException.class)
                .isNotInstanceOf(TransientStoreException.class)
                .hasMessageContaining("accessKeySecret").hasMessageContaining(volume.dir().toString());

        oss.acceptOnly("id-B", "secret-B");
        volume.publish(key("id-B", "secret-B"));

        assertThat(store.readAll("before")).containsExactly(1);
    }

    private Map<String, String> key(String id, String secret) {
        return Map.of("accessKeyID", id, "accessKeySecret", secret, "storageEndpoint", oss.endpoint());
    }
}
