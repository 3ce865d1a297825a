package io.etcdbackup.agent.http;

import io.etcdbackup.agent.http.TestCertificates.Issued;
import io.etcdbackup.agent.http.TestCertificates.KeyFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What {@link ServerTls#validate} accepts and how it explains what it refuses (no server started). */
class ServerTlsTest {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} key as {1}")
    @CsvSource({
            "RSA, PKCS8, -----BEGIN PRIVATE KEY-----",
            "RSA, TRADITIONAL, -----BEGIN RSA PRIVATE KEY-----",
            "EC, PKCS8, -----BEGIN PRIVATE KEY-----",
            "EC, TRADITIONAL, -----BEGIN EC PRIVATE KEY-----",
            "Ed25519, PKCS8, -----BEGIN PRIVATE KEY-----"})
    void acceptsTheKeyFormatsCertManagerKubeadmAndOpensslWrite(String algorithm, KeyFormat format, String header) throws Exception {
        Issued issued = TestCertificates.selfSigned("etcd-main-0", algorithm);
        Path cert = write("tls.crt", issued.certificatePem());
        Path key = write("tls.key", issued.keyPem(format));
        assertThat(Files.readString(key)).startsWith(header);

        ServerTls.CertificateInfo info = ServerTls.validate(cert, key);

        assertThat(info.subject()).isEqualTo("CN=etcd-main-0");
        assertThat(info.alternativeNames()).containsExactly("localhost", "127.0.0.1");
        assertThat(info.chainLength()).isEqualTo(1);
        assertThat(info.notAfter()).isEqualTo(issued.certificate().getNotAfter().toInstant());
        assertThat(info.sha256Fingerprint()).isEqualTo(
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(issued.certificate().getEncoded())));
        assertThat(info.isExpiredAt(Instant.now())).isFalse();
        assertThat(info.isExpiredAt(info.notAfter().plusSeconds(1))).isTrue();
    }

    @Test
    void readsAChainWithTheServerCertificateFirst() throws Exception {
        Issued ca = TestCertificates.authority("etcd-ca");
        Issued server = TestCertificates.signedBy(ca, "etcd-main-0");
        Path cert = write("chain.crt", server.certificatePem() + ca.certificatePem());
        Path key = write("tls.key", server.keyPem(KeyFormat.TRADITIONAL));

        ServerTls.CertificateInfo info = ServerTls.validate(cert, key);

        assertThat(info.subject()).isEqualTo("CN=etcd-main-0");
        assertThat(info.chainLength()).isEqualTo(2);
    }

    @Test
    void acceptsCertificateAndKeyInOneFile() throws Exception {
        Issued issued = TestCertificates.selfSigned("combined", "EC");
        Path both = write("tls.pem", issued.keyPem(KeyFormat.TRADITIONAL) + issued.certificatePem());

        assertThat(ServerTls.validate(both, both).subject()).isEqualTo("CN=combined");
    }

    @Test
    void aMissingFileIsNamed() {
        Path missing = dir.resolve("nope.crt");
        assertThatThrownBy(() -> ServerTls.validate(missing, missing))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("HTTPS server certificate file " + missing + " does not exist");
    }

    @Test
    void aFolderIsNotAFile() throws Exception {
        Issued issued = TestCertificates.selfSigned("x", "EC");
        Path cert = write("tls.crt", issued.certificatePem());
        assertThatThrownBy(() -> ServerTls.validate(cert, dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("HTTPS server key file " + dir + " is not a regular file");
    }

    @Test
    void aCertificateFileWithoutACertificateIsRefused() throws Exception {
        Issued issued = TestCertificates.selfSigned("x", "EC");
        Path key = write("tls.key", issued.keyPem(KeyFormat.PKCS8));
        assertThatThrownBy(() -> ServerTls.validate(key, key))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("certificate file " + key + " holds no certificate");
        Path empty = write("empty.crt", "");
        assertThatThrownBy(() -> ServerTls.validate(empty, key)).hasMessageContaining("holds no certificate");
    }

    @Test
    void aDamagedCertificateIsRefused() throws Exception {
        Path cert = write("tls.crt", "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n");
        Path key = write("tls.key", TestCertificates.selfSigned("x", "EC").keyPem(KeyFormat.PKCS8));
        assertThatThrownBy(() -> ServerTls.validate(cert, key))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("HTTPS server certificate file " + cert + " is not valid PEM");
    }

    @Test
    void aKeyFileWithoutAKeyIsRefused() throws Exception {
        Issued issued = TestCertificates.selfSigned("x", "EC");
        Path cert = write("tls.crt", issued.certificatePem());
        assertThatThrownBy(() -> ServerTls.validate(cert, cert))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("key file " + cert + " holds no private key");
    }

    @Test
    void aDamagedKeyIsRefusedWithoutQuotingIt() throws Exception {
        Issued issued = TestCertificates.selfSigned("x", "RSA");
        String pem = issued.keyPem(KeyFormat.TRADITIONAL);
        String body = pem.lines().filter(l -> !l.startsWith("-----")).reduce("", String::concat);
        String damaged = "-----BEGIN RSA PRIVATE KEY-----\n" + body.substring(0, 64) + "\n" + body.substring(200, 264)
                + "\n-----END RSA PRIVATE KEY-----\n";
        Path cert = write("tls.crt", issued.certificatePem());
        Path key = write("tls.key", damaged);

        assertThatThrownBy(() -> ServerTls.validate(cert, key))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("HTTPS server key file " + key + " is not a valid PEM private key")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(body.substring(0, 20)));
    }

    @ParameterizedTest
    @CsvSource({"ENCRYPTED_PKCS8, -----BEGIN ENCRYPTED PRIVATE KEY-----", "ENCRYPTED_TRADITIONAL, Proc-Type: 4,ENCRYPTED"})
    void anEncryptedKeyIsRefusedWithTheReason(KeyFormat format, String marker) throws Exception {
        Issued issued = TestCertificates.selfSigned("x", "RSA");
        Path cert = write("tls.crt", issued.certificatePem());
        Path key = write("tls.key", issued.keyPem(format));
        assertThat(Files.readString(key)).contains(marker);

        assertThatThrownBy(() -> ServerTls.validate(cert, key))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("holds an encrypted private key");
    }

    @Test
    void aKeyOfAnotherCertificateIsRefused() throws Exception {
        Issued one = TestCertificates.selfSigned("one", "EC");
        Issued other = TestCertificates.selfSigned("other", "EC");
        Path cert = write("tls.crt", one.certificatePem());
        Path key = write("tls.key", other.keyPem(KeyFormat.PKCS8));

        assertThatThrownBy(() -> ServerTls.validate(cert, key))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("HTTPS server key file " + key + " does not belong to the certificate in " + cert + " (CN=one)");
        Issued rsa = TestCertificates.selfSigned("rsa", "RSA");
        Path rsaKey = write("rsa.key", rsa.keyPem(KeyFormat.PKCS8));
        assertThatThrownBy(() -> ServerTls.validate(cert, rsaKey)).hasMessageContaining("does not belong");
    }

    private Path write(String name, String content) throws Exception {
        return Files.writeString(dir.resolve(name), content, StandardCharsets.US_ASCII);
    }
}
