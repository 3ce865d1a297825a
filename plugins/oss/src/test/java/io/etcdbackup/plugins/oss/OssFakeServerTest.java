package io.etcdbackup.plugins.oss;

import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.ObjectStores;
import io.etcdbackup.stores.StoreContext;
import io.etcdbackup.stores.WriteMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The fake refuses what OSS refuses, and the provider reads its credentials and options as documented. */
final class OssFakeServerTest {

    @Test
    void wrongSecretIsRefusedWithSignatureDoesNotMatch() throws Exception {
        try (FakeOssServer oss = new FakeOssServer("test-bucket", "id", "right-secret");
             ObjectStore store = ObjectStores.open("oss://test-bucket/p?path_style=true&endpoint=" + oss.endpoint(),
                     new StoreContext(Map.of("ALIBABA_CLOUD_ACCESS_KEY_ID", "id", "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "wrong-secret")))) {
            assertThatThrownBy(() -> store.put("k", new byte[] {1}, WriteMode.OVERWRITE))
                    .hasMessageContaining("SignatureDoesNotMatch").hasMessageNotContaining("wrong-secret");
            assertThat(oss.objectCount()).isZero();
        }
    }

    @Test
    void aWormProtectedObjectIsLockedAndStays() throws Exception {
        try (FakeOssServer oss = new FakeOssServer("test-bucket", "id", "secret");
             ObjectStore store = ObjectStores.open("oss://test-bucket/p?path_style=true&endpoint=" + oss.endpoint(),
                     new StoreContext(Map.of("ALIBABA_CLOUD_ACCESS_KEY_ID", "id", "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "secret")))) {
            store.put("k", new byte[] {1}, WriteMode.IF_ABSENT);
            oss.worm(java.time.Duration.ofDays(1));
            assertThatThrownBy(() -> store.delete("k")).isInstanceOf(io.etcdbackup.stores.ObjectLockedException.class)
                    .hasMessageContaining("FileImmutable").hasMessageContaining("'k'");
            assertThat(store.readAll("k")).containsExactly(1);
            oss.tag("p/k", "x-etcd-snapshot-exclude", "true"); // tags still change on a protected object
            assertThat(store.labels("k")).containsExactly(Map.entry("x-etcd-snapshot-exclude", "true"));
            oss.worm(java.time.Duration.ZERO); // the retention period is over
            store.delete("k");
            assertThat(oss.objectCount()).isZero();
        }
    }

    @Test
    void credentialsDirectoryGivesKeyAndEndpoint(@TempDir Path dir) throws Exception {
        try (FakeOssServer oss = new FakeOssServer("test-bucket", "dir-id", "dir-secret")) {
            Files.writeString(dir.resolve("accessKeyID"), "dir-id\n");
            Files.writeString(dir.resolve("accessKeySecret"), "dir-secret\n");
            Files.writeString(dir.resolve("storageEndpoint"), oss.endpoint());
            StoreContext context = new StoreContext(Map.of(OssCredentials.CREDENTIALS_DIR_ENV, dir.toString(),
                    "ALIBABA_CLOUD_ACCESS_KEY_ID", "env-id", "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "env-secret"));
            try (ObjectStore store = ObjectStores.open("oss://test-bucket/p?path_style=true", context)) {
                store.put("k", new byte[] {1, 2}, WriteMode.IF_ABSENT);
                assertThat(store.readAll("k")).containsExactly(1, 2);
            }
            assertThat(OssCredentials.from(context).toString()).doesNotContain("dir-secret");
        }
    }

    @Test
    void badConfigurationIsNamed() {
        StoreContext keys = new StoreContext(Map.of("ALIBABA_CLOUD_ACCESS_KEY_ID", "i", "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "s"));
        assertThatThrownBy(() -> ObjectStores.open("oss://test-bucket/p", keys)).hasMessageContaining("endpoint");
        assertThatThrownBy(() -> ObjectStores.open("oss://test-bucket/p?endpoint=http://x&colour=red", keys)).hasMessageContaining("colour");
        assertThatThrownBy(() -> ObjectStores.open("oss://test-bucket/p?endpoint=http://x&part_size=1000", keys)).hasMessageContaining("part_size");
        assertThatThrownBy(() -> ObjectStores.open("oss://test-bucket/p?endpoint=http://x", StoreContext.empty()))
                .hasMessageContaining("ALIBABA_CLOUD_ACCESS_KEY_ID");
    }
}
