package io.etcdbackup.plugins.s3;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The reference's S3 secret files beyond the keys: honoured, or refused by name, never silently dropped. */
final class ReferenceSecretFilesTest {

    @TempDir
    Path dir;

    private void write(String name, String value) throws IOException {
        Files.writeString(dir.resolve(name), value);
    }

    @Test
    void aPlainSecretAsksForNothingMore() throws IOException {
        write("accessKeyID", "AKIA");
        write("secretAccessKey", "s");
        write("bucketName", "b");
        assertThat(ReferenceSecretFiles.inspect(dir)).isEqualTo(new ReferenceSecretFiles(false, java.util.Optional.empty()));
    }

    @Test
    void checksumFilesSayingWhenRequiredTurnOnChecksumsWhenRequired() throws IOException {
        write("requestChecksumCalculation", "when_required\n");
        write("responseChecksumValidation", "when_supported");
        assertThat(ReferenceSecretFiles.inspect(dir).checksumsWhenRequired()).isTrue();
        write("requestChecksumCalculation", "sometimes");
        assertThatThrownBy(() -> ReferenceSecretFiles.inspect(dir)).hasMessageContaining("requestChecksumCalculation")
                .hasMessageContaining("when_supported or when_required");
    }

    @Test
    void customerKeysAreRefusedRatherThanWritingUnencryptedObjects() throws IOException {
        write("accessKeyID", "AKIA");
        write("sseCustomerKey", "0123456789abcdef0123456789abcdef");
        write("sseCustomerAlgorithm", "AES256");
        assertThatThrownBy(() -> ReferenceSecretFiles.inspect(dir)).hasMessageContaining("sseCustomer").hasMessageContaining("SSE-C")
                .hasMessageNotContaining("0123456789abcdef");
    }

    @Test
    void webIdentityWithoutKeysIsRefusedByName() throws IOException {
        write("roleARN", "arn:aws:iam::123:role/etcd");
        write("token", "jwt");
        assertThatThrownBy(() -> ReferenceSecretFiles.inspect(dir)).hasMessageContaining("roleARN").hasMessageContaining("web identity");
    }

    @Test
    void aTrustedCaIsReportedAsNotRead() throws IOException {
        write("trustedCaCert", "-----BEGIN CERTIFICATE-----");
        assertThat(ReferenceSecretFiles.inspect(dir).unread()).hasValueSatisfying(why -> assertThat(why).contains("trustedCaCert"));
    }
}
