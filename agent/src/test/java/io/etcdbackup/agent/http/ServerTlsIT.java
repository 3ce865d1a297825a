package io.etcdbackup.agent.http;

import io.etcdbackup.agent.http.TestCertificates.Issued;
import io.javalin.Javalin;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import static io.etcdbackup.stores.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A real Javalin server made HTTPS by {@link ServerTls}, called over the loopback. */
class ServerTlsIT {

    @TempDir
    Path dir;

    private Javalin app;

    @AfterEach
    void stop() {
        if (app != null) {
            app.stop();
        }
    }

    @Test
    void servesHttpsWithTheGivenCertificateAndNoPlainHttp() throws Exception {
        Issued issued = TestCertificates.selfSigned("etcd-main-0", "RSA");
        Path[] files = issued.write(dir, "tls");
        int port = start(files[0], files[1], Duration.ZERO);

        HttpResponse<String> response = get(issued.trustingOnlyThis(), "https://127.0.0.1:" + port + "/hello");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("hello over " + "https");
        assertThat(peer(response)).isEqualTo(issued.certificate());

        // The same port does not speak plain HTTP: Jetty answers with a TLS alert record, which no
        // HTTP client can read as a response; the route is never served.
        HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/hello")).timeout(Duration.ofSeconds(30)).build();
        assertThatThrownBy(() -> plain.send(request, HttpResponse.BodyHandlers.ofString())).isInstanceOf(IOException.class);

        // A client that does not trust the certificate is refused by its own TLS check.
        Issued stranger = TestCertificates.selfSigned("stranger", "EC");
        assertThatThrownBy(() -> get(stranger.trustingOnlyThis(), "https://127.0.0.1:" + port + "/hello"))
                .isInstanceOf(SSLHandshakeException.class);
    }

    @Test
    void picksUpARotatedCertificateTheWayKubernetesSwapsSecretVolumes() throws Exception {
        // A secret volume: tls.crt -> ..data/tls.crt, ..data -> ..<timestamp>/; a rotation writes a new
        // timestamped folder and swaps the ..data link atomically.
        Issued first = TestCertificates.selfSigned("first", "EC");
        Issued second = TestCertificates.selfSigned("second", "RSA");
        Path volume = Files.createDirectories(dir.resolve("volume"));
        secretVersion(volume, "..2026_11_22_01", first);
        Files.createSymbolicLink(volume.resolve("..data"), Path.of("..2026_11_22_01"));
        Files.createSymbolicLink(volume.resolve("tls.crt"), Path.of("..data/tls.crt"));
        Files.createSymbolicLink(volume.resolve("tls.key"), Path.of("..data/tls.key"));
        AtomicReference<ServerTls> tls = new AtomicReference<>();
        int port = start(volume.resolve("tls.crt"), volume.resolve("tls.key"), Duration.ZERO, tls);
        String url = "https://127.0.0.1:" + port + "/hello";
        assertThat(peer(get(first.trustingOnlyThis(), url))).isEqualTo(first.certificate());
        assertThat(tls.get().reloadIfChanged()).as("nothing changed yet").isFalse();

        // Half a rotation (new certificate, old key) is not served; the old certificate stays.
        Path half = Files.createDirectories(volume.resolve("..2026_11_22_02"));
        Files.writeString(half.resolve("tls.crt"), second.certificatePem());
        Files.writeString(half.resolve("tls.key"), first.keyPem(TestCertificates.KeyFormat.PKCS8));
        swapData(volume, "..2026_11_22_02");
        assertThat(tls.get().reloadIfChanged()).isFalse();
        assertThat(peer(get(first.trustingOnlyThis(), url))).isEqualTo(first.certificate());
        assertThat(tls.get().current().subject()).isEqualTo("CN=first");

        secretVersion(volume, "..2026_11_22_03", second);
        swapData(volume, "..2026_11_22_03");
        assertThat(tls.get().reloadIfChanged()).isTrue();

        assertThat(peer(get(second.trustingOnlyThis(), url))).isEqualTo(second.certificate());
        assertThat(tls.get().current().subject()).isEqualTo("CN=second");
        assertThatThrownBy(() -> get(first.trustingOnlyThis(), url)).isInstanceOf(SSLHandshakeException.class);
    }

    @Test
    void theBackgroundCheckReloadsByItselfAndStopsWithTheServer() throws Exception {
        Issued first = TestCertificates.selfSigned("first", "EC");
        Issued second = TestCertificates.selfSigned("second", "EC");
        Path[] files = first.write(dir, "tls");
        int port = start(files[0], files[1], Duration.ofMillis(100));
        String url = "https://127.0.0.1:" + port + "/hello";
        assertThat(peer(get(first.trustingOnlyThis(), url))).isEqualTo(first.certificate());
        assertThat(reloadThreadAlive()).isTrue();

        // In-place rewrite, as a tool without symlinks does it (key first, then certificate).
        Path staging = Files.createDirectories(dir.resolve("staging"));
        Path[] next = second.write(staging, "tls");
        Files.move(next[1], files[1], StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        Files.move(next[0], files[0], StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);

        X509Certificate served = await("the rewritten certificate served", Duration.ofSeconds(60), () -> {
            try {
                return peer(get(second.trustingOnlyThis(), url));
            } catch (SSLHandshakeException stillTheOldOne) {
                return first.certificate(); // not reloaded yet
            }
        }, second.certificate()::equals);
        assertThat(served).isEqualTo(second.certificate());

        app.stop();
        app = null;
        await("the reload check to stop with the server", Duration.ofSeconds(30), () -> !reloadThreadAlive());
        assertThat(reloadThreadAlive()).as("the reload check stops with the server").isFalse();
    }

    @Test
    void badFilesFailWhenTheServerIsConfiguredNotWhenItIsCalled() {
        Path missing = dir.resolve("missing.crt");
        assertThatThrownBy(() -> Javalin.create(config -> ServerTls.apply(config, missing, missing, 0)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not exist");
    }

    private int start(Path cert, Path key, Duration reloadCheck) {
        return start(cert, key, reloadCheck, new AtomicReference<>());
    }

    private int start(Path cert, Path key, Duration reloadCheck, AtomicReference<ServerTls> handle) {
        app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.jetty.host = "127.0.0.1";
            handle.set(ServerTls.apply(config, cert, key, 0, reloadCheck));
            config.routes.get("/hello", ctx -> ctx.result("hello over " + ctx.scheme()));
        });
        app.start();
        return app.port();
    }

    private static HttpResponse<String> get(SSLContext trust, String url) throws IOException, InterruptedException {
        // A new client per call: a new connection, so a new handshake sees the current certificate.
        HttpClient client = HttpClient.newBuilder().sslContext(trust).connectTimeout(Duration.ofSeconds(10)).build();
        return client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static X509Certificate peer(HttpResponse<?> response) throws Exception {
        return (X509Certificate) response.sslSession().orElseThrow().getPeerCertificates()[0];
    }

    private static void secretVersion(Path volume, String name, Issued issued) throws IOException {
        Path version = Files.createDirectories(volume.resolve(name));
        Files.writeString(version.resolve("tls.crt"), issued.certificatePem());
        Files.writeString(version.resolve("tls.key"), issued.keyPem(TestCertificates.KeyFormat.TRADITIONAL));
    }

    private static void swapData(Path volume, String target) throws IOException {
        Path tmp = volume.resolve("..data_tmp");
        Files.createSymbolicLink(tmp, Path.of(target));
        Files.move(tmp, volume.resolve("..data"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static boolean reloadThreadAlive() {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().equals("https-certificate-reload") && t.isAlive());
    }
}
