package io.etcdbackup.agent.http;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.etcdbackup.agent.http.TestCertificates.Issued;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code --server-ca}: an agent forwarding over HTTPS trusts the agents' CA, and still every CA the JVM trusts. */
class ForwardingTrustTest {

    @TempDir
    Path dir;

    private HttpsServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    @Test
    void trustsAServerCertificateIssuedByTheGivenCaWhichTheJvmAloneRefuses() throws Exception {
        Issued ca = TestCertificates.authority("agents-ca");
        Path caFile = Files.writeString(dir.resolve("ca.crt"), ca.certificatePem());
        String url = serve(TestCertificates.signedBy(ca, "etcd-main-1"));

        HttpResponse<String> answer = get(ForwardingTrust.withExtraCa(caFile), url);

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.body()).isEqualTo("leader");
        assertThatThrownBy(() -> get(SSLContext.getDefault(), url)).isInstanceOf(SSLHandshakeException.class);
        assertThatThrownBy(() -> get(ForwardingTrust.withExtraCa(Files.writeString(dir.resolve("other.crt"),
                TestCertificates.authority("another-ca").certificatePem())), url)).isInstanceOf(SSLHandshakeException.class);
    }

    @Test
    void keepsEveryCaTheJvmTrusts() throws Exception {
        Path caFile = Files.writeString(dir.resolve("ca.crt"), TestCertificates.authority("agents-ca").certificatePem());
        TrustManagerFactory defaults = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        defaults.init((KeyStore) null);
        int jvmCas = ((X509TrustManager) defaults.getTrustManagers()[0]).getAcceptedIssuers().length;

        X509TrustManager forwarding = ForwardingTrust.trustManager(caFile);

        assertThat(jvmCas).isPositive();
        assertThat(forwarding.getAcceptedIssuers()).hasSize(jvmCas + 1);
    }

    @Test
    void aFileWithoutCertificatesIsRefusedNamingIt() throws Exception {
        Path empty = Files.writeString(dir.resolve("empty.crt"), "not a certificate\n");

        assertThatThrownBy(() -> ForwardingTrust.withExtraCa(empty)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(empty.toString());
        assertThatThrownBy(() -> ForwardingTrust.withExtraCa(dir.resolve("missing.crt"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("missing.crt").hasMessageContaining("cannot be read");
    }

    private String serve(Issued certificate) throws Exception {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("server", certificate.keys().getPrivate(), new char[0], new Certificate[] {certificate.certificate()});
        KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(keys, new char[0]);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(factory.getKeyManagers(), null, null);
        server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(context));
        server.createContext("/", exchange -> {
            byte[] body = "leader".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        return "https://localhost:" + server.getAddress().getPort() + "/";
    }

    private static HttpResponse<String> get(SSLContext tls, String url) throws Exception {
        HttpClient client = HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(10)).build();
        return client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
