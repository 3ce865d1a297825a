package io.etcdbackup.plugins.s3;

import io.etcdbackup.stores.StoreOptions;
import io.etcdbackup.stores.ObjectStoreProvider;
import io.etcdbackup.stores.ObjectStores;
import io.etcdbackup.stores.StoreUrl;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

final class S3SettingsTest {

    @Test
    void parsesEveryOption() {
        S3Settings s = S3Settings.from(StoreUrl.parse("s3://bucket/a/b?endpoint=http://127.0.0.1:9000&region=eu-west-1"
                + "&path-style=true&sse=aws:kms&sse-kms-key-id=key-1&part-size-mib=32&upload-parallelism=2"
                + "&checksums=when-required&chunked-encoding=false"));

        assertThat(s.bucket()).isEqualTo("bucket");
        assertThat(s.prefix()).isEqualTo("a/b");
        assertThat(s.endpoint()).contains(URI.create("http://127.0.0.1:9000"));
        assertThat(s.region()).contains("eu-west-1");
        assertThat(s.pathStyle()).isTrue();
        assertThat(s.sse()).contains("aws:kms");
        assertThat(s.sseKmsKeyId()).contains("key-1");
        assertThat(s.partSize()).isEqualTo(32 * 1024 * 1024);
        assertThat(s.uploadParallelism()).isEqualTo(2);
        assertThat(s.checksumsWhenRequired()).isTrue();
        assertThat(s.chunkedEncoding()).isFalse();
    }

    @Test
    void defaults() {
        S3Settings s = S3Settings.from(StoreUrl.parse("s3://bucket"));

        assertThat(s.prefix()).isEmpty();
        assertThat(s.endpoint()).isEmpty();
        assertThat(s.sse()).isEqualTo(Optional.empty());
        assertThat(s.partSize()).isEqualTo(16 * 1024 * 1024);
        assertThat(s.uploadParallelism()).isEqualTo(4);
        assertThat(s.checksumsWhenRequired()).isFalse();
        assertThat(s.chunkedEncoding()).isTrue();
        assertThat(s.objectLock()).isEmpty();
    }

    @Test
    void objectLockTakesSecondsAndAMode() {
        assertThat(S3Settings.from(StoreUrl.parse("s3://b/p?object-lock-seconds=86400")).objectLock()).contains(
                new S3Settings.ObjectLock(java.time.Duration.ofDays(1), "GOVERNANCE"));
        assertThat(S3Settings.from(StoreUrl.parse("s3://b/p?object-lock-seconds=60&object-lock-mode=COMPLIANCE")).objectLock()
                .orElseThrow().mode()).isEqualTo("COMPLIANCE");
        assertThatThrownBy(() -> S3Settings.from(StoreUrl.parse("s3://b/p?object-lock-mode=COMPLIANCE")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs object-lock-seconds");
        assertThatThrownBy(() -> S3Settings.from(StoreUrl.parse("s3://b/p?object-lock-seconds=0")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("object-lock-seconds");
        assertThatThrownBy(() -> S3Settings.from(StoreUrl.parse("s3://b/p?object-lock-seconds=60&object-lock-mode=forever")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("object-lock-mode='forever'");
    }

    @Test
    void rejectsBadOptionsNamingThem() {
        assertThatThrownBy(() -> S3Settings.from(StoreUrl.parse("s3://b/p?regoin=x")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown option 'regoin'");
        assertThatThrownBy(() -> S3Settings.from(StoreUrl.parse("s3://b/p?sse=des")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sse='des'");
        assertThatThrownBy(() -> S3Settings.from(StoreUrl.parse("s3://b/p?sse-kms-key-id=k")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs sse=aws:kms");
        assertThatThrownBy(() -> S3Settings.from(StoreUrl.parse("s3://b/p?part-size-mib=4")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("part-size-mib='4'");
        assertThatThrownBy(() -> S3Settings.from(StoreUrl.parse("s3://b/p?path-style=yes")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("path-style='yes'");
        assertThatThrownBy(() -> S3Settings.from(StoreUrl.parse("s3://b/p?endpoint=localhost")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("endpoint='localhost'");
    }

    @Test
    void registeredForTheS3Scheme() {
        ObjectStoreProvider provider = ObjectStores.providers().get("s3");
        assertThat(provider).isInstanceOf(S3StoreProvider.class);
    }

    @Test
    void partSizeTakesASizeAndTheOldWholeMibSpellingStillWorksWarningOnce() {
        assertThat(S3Settings.from(StoreUrl.parse("s3://b/p?part-size=32MiB")).partSize()).isEqualTo(32 * 1024 * 1024);
        assertThat(S3Settings.from(StoreUrl.parse("s3://b/p?part-size-mib=32")).partSize()).isEqualTo(32 * 1024 * 1024);
        assertThat(S3Settings.from(StoreUrl.parse("s3://b/p?part-size-mib=8")).partSize()).isEqualTo(8 * 1024 * 1024);
        assertThat(StoreOptions.deprecationWarnings("s3", "part-size-mib")).isEqualTo(1);
        assertThatThrownBy(() -> S3Settings.from(StoreUrl.parse("s3://b/p?part-size=4MiB")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("part-size='4MiB'").hasMessageContaining("5MiB");
    }
}
