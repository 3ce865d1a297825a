package io.etcdbackup.etcdprocess;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** Which etcd versions offer which restore features. */
class EtcdBinariesVersionTest {

    private static EtcdBinaries binaries(String version, boolean etcdutl) {
        return new EtcdBinaries(Path.of("etcd"), Path.of("etcdctl"), etcdutl ? Optional.of(Path.of("etcdutl")) : Optional.empty(), version);
    }

    @Test
    void revisionBumpsNeedEtcdutlFrom358On() {
        assertThat(binaries("3.5.8", true).supportsBumpRevision()).isTrue();
        assertThat(binaries("3.5.17", true).supportsBumpRevision()).isTrue();
        assertThat(binaries("3.6.0", true).supportsBumpRevision()).isTrue();
        assertThat(binaries("3.6.0-rc.1", true).supportsBumpRevision()).isTrue();
        assertThat(binaries("3.5.7", true).supportsBumpRevision()).isFalse();
        assertThat(binaries("3.4.23", false).supportsBumpRevision()).isFalse();
        assertThat(binaries("3.6.0", false).supportsBumpRevision()).as("no etcdutl found").isFalse();
    }

    @Test
    void scratchServersSkipFsyncFrom35On() {
        assertThat(binaries("3.5.0", true).supportsUnsafeNoFsync()).isTrue();
        assertThat(binaries("3.4.23", false).supportsUnsafeNoFsync()).isFalse();
    }
}
