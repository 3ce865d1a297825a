package io.etcdbackup.agent.cli;

import io.etcdbackup.agent.cli.ReferenceStore.Provider;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The reference's --storage-provider, bucket, --store-prefix and --store-endpoint-override, as our store URLs. */
class ReferenceStoreTest {

    private static final Optional<String> HOME = Optional.of("/home/nonroot");

    private static String url(String provider, String container, String prefix, String endpoint) {
        return ReferenceStore.url(Provider.of(provider), Optional.ofNullable(container), prefix, Optional.ofNullable(endpoint), HOME);
    }

    @Test
    void eachProviderBecomesItsScheme() {
        assertThat(url("S3", "backups", "shoot--dev--x/etcd-main", null)).isEqualTo("s3://backups/shoot--dev--x/etcd-main");
        assertThat(url("ABS", "backups", "etcd-main", null)).isEqualTo("azblob://backups/etcd-main");
        assertThat(url("GCS", "backups", "etcd-main", null)).isEqualTo("gs://backups/etcd-main");
        assertThat(url("Swift", "backups", "etcd-main", null)).isEqualTo("swift://backups/etcd-main");
        assertThat(url("OSS", "backups", "etcd-main", null)).isEqualTo("oss://backups/etcd-main");
    }

    @Test
    void theEndpointOverrideIsTheEndpointOptionWhereTheReferenceUsesIt() {
        assertThat(url("S3", "b", "p", "http://minio:9000")).isEqualTo("s3://b/p?endpoint=http%3A%2F%2Fminio%3A9000");
        assertThat(url("ABS", "b", "p", "http://127.0.0.1:10000/devstoreaccount1"))
                .isEqualTo("azblob://b/p?endpoint=http%3A%2F%2F127.0.0.1%3A10000%2Fdevstoreaccount1");
        assertThat(url("GCS", "b", "p", "http://localhost:4443")).isEqualTo("gs://b/p?endpoint=http%3A%2F%2Flocalhost%3A4443");
        assertThat(url("Swift", "b", "p", "http://ignored")).isEqualTo("swift://b/p");
        assertThat(url("OSS", "b", "p", "http://ignored")).isEqualTo("oss://b/p");
    }

    @Test
    void localIsTheContainerUnderTheHomeFolderAsInTheReference() {
        assertThat(url("Local", "etcd-backups", "etcd-main", null)).isEqualTo("file:///home/nonroot/etcd-backups/etcd-main");
        assertThat(url("Local", null, "", null)).isEqualTo("file:///home/nonroot/default.bkp");
        assertThat(url("Local", "/var/backups", "p", null)).isEqualTo("file:///home/nonroot/var/backups/p");
        assertThat(url("Local", "with space", "p", null)).isEqualTo("file:///home/nonroot/with%20space/p");
        assertThatThrownBy(() -> ReferenceStore.url(Provider.Local, Optional.of("c"), "p", Optional.empty(), Optional.empty()))
                .hasMessageContaining("HOME");
    }

    @Test
    void prefixesAreCleanedAsGoJoinsPaths() {
        assertThat(url("S3", "b", "/a//b/", null)).isEqualTo("s3://b/a/b");
        assertThat(url("S3", "b", "", null)).isEqualTo("s3://b");
    }

    @Test
    void aBucketIsNeededExceptForLocal() {
        assertThatThrownBy(() -> url("S3", null, "p", null)).hasMessageContaining("STORAGE_CONTAINER");
        assertThatThrownBy(() -> url("GCS", "", "p", null)).hasMessageContaining("STORAGE_CONTAINER");
    }

    @Test
    void providersAreSpeltAsTheReferenceSpellsThem() {
        assertThatThrownBy(() -> Provider.of("s3")).hasMessageContaining("S3, ABS, GCS, Swift, OSS").hasMessageContaining("case matters");
        assertThatThrownBy(() -> Provider.of("ECS")).hasMessageContaining("--store s3://");
    }
}
