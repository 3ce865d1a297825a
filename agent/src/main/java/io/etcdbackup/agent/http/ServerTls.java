package io.etcdbackup.agent.http;

import io.javalin.config.JavalinConfig;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * HTTPS for the sidecar's Javalin server, from a PEM certificate file and a PEM key file, with the
 * certificate reloaded when the files change (cert-manager and Kubernetes secret volumes rotate
 * them in place).
 *
 * <p>Use it inside {@code Javalin.create}:
 * <pre>
 *   Javalin.create(config -&gt; {
 *       ServerTls tls = ServerTls.apply(config, certFile, keyFile, port);
 *       ...
 *   });
 * </pre>
 * The server then listens on {@code port} with HTTPS only: no plain-HTTP connector is opened, and a
 * plain-HTTP request to that port fails (the TLS handshake does). Javalin's {@code app.port()} is
 * the HTTPS port (useful with port 0).
 *
 * <p>How reloading works: a background check (every {@link #DEFAULT_RELOAD_CHECK} unless told
 * otherwise) compares a SHA-256 of both files' contents with what is served, so symlink swaps
 * ({@code ..data} in secret volumes), renames and in-place writes are all seen. When they differ and
 * both files parse and belong together, Jetty's {@link SslContextFactory#reload} switches to them:
 * new connections get the new certificate, open ones keep theirs. When they do not (a rotation half
 * done: new certificate, old key), the old certificate stays and the check tries again next time;
 * a warning is logged once per distinct content. The check runs while the Jetty server runs and
 * stops with it.
 *
 * <p>TLS details: Jetty's default protocols and ciphers (TLS 1.2 and 1.3 on Java 17); no client
 * certificates are asked for; SNI is neither required nor checked against the certificate (host
 * name verification is the client's job, and clients often call the sidecar by a service name).
 */
public final class ServerTls {

    /** How often the files are compared with what is served. */
    public static final Duration DEFAULT_RELOAD_CHECK = Duration.ofSeconds(30);

    private static final Logger LOG = LoggerFactory.getLogger(ServerTls.class);

    /**
     * What is known about a served certificate, for start-up logs and status output (no key
     * material).
     *
     * @param subject           the subject's distinguished name
     * @param alternativeNames  DNS names and IP addresses it is valid for
     * @param notBefore         start of validity
     * @param notAfter          end of validity
     * @param sha256Fingerprint SHA-256 of the DER certificate, lower-case hex
     * @param chainLength       certificates in the file (server plus intermediates)
     */
    public record CertificateInfo(String subject, List<String> alternativeNames, Instant notBefore, Instant notAfter,
                                  String sha256Fingerprint, int chainLength) {
        public CertificateInfo {
            alternativeNames = List.copyOf(alternativeNames);
        }

        /** Whether it is outside its validity period at {@code now}. */
        public boolean isExpiredAt(Instant now) {
            return now.isAfter(notAfter) || now.isBefore(notBefore);
        }
    }

    private final Path certFile;
    private final Path keyFile;
    private final SslContextFactory.Server sslContextFactory;
    private volatile PemIdentity served;
    private volatile String lastRejected;

    private ServerTls(Path certFile, Path keyFile, PemIdentity identity) {
        this.certFile = certFile;
        this.keyFile = keyFile;
        this.served = identity;
        this.sslContextFactory = new SslContextFactory.Server();
        sslContextFactory.setKeyStore(identity.keyStore());
        sslContextFactory.setKeyStorePassword(PemIdentity.KEY_STORE_PASSWORD);
        sslContextFactory.setKeyManagerPassword(PemIdentity.KEY_STORE_PASSWORD);
        sslContextFactory.setCertAlias(PemIdentity.ALIAS);
        sslContextFactory.setSniRequired(false);
    }

    /**
     * Checks that both files are readable regular files, parse as PEM (certificate chain; an
     * unencrypted PKCS#8, PKCS#1 or SEC1 private key) and that the key belongs to the first
     * certificate. For reporting start-up problems before anything listens.
     *
     * @return what the certificate says about itself (an expired certificate is not rejected here:
     *         callers may warn about {@link CertificateInfo#isExpiredAt})
     * @throws IllegalArgumentException naming the file and the reason
     */
    public static CertificateInfo validate(Path certFile, Path keyFile) {
        Objects.requireNonNull(certFile, "certFile");
        Objects.requireNonNull(keyFile, "keyFile");
        return PemIdentity.load(certFile, keyFile).info();
    }

    /** {@link #apply(JavalinConfig, Path, Path, int, Duration)} checking for new files every {@link #DEFAULT_RELOAD_CHECK}. */
    public static ServerTls apply(JavalinConfig config, Path certFile, Path keyFile, int port) {
        return apply(config, certFile, keyFile, port, DEFAULT_RELOAD_CHECK);
    }

    /**
     * Makes the server being configured listen with HTTPS only, on {@code port} (0 for a free one)
     * and on {@code config.jetty.host} (all interfaces when unset), serving the certificate in
     * {@code certFile} with the key in {@code keyFile}. The files are read and checked now.
     *
     * @param reloadCheck how often to look for changed files; {@link Duration#ZERO} never looks
     *                    (then only {@link #reloadIfChanged()} reloads)
     * @return the handle, to reload on demand or to ask what is served
     * @throws IllegalArgumentException as {@link #validate}, or for a port outside 0..65535
     */
    public static ServerTls apply(JavalinConfig config, Path certFile, Path keyFile, int port, Duration reloadCheck) {
        Objects.requireNonNull(config, "config");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("HTTPS port must be 0..65535, got " + port);
        }
        if (reloadCheck.isNegative()) {
            throw new IllegalArgumentException("certificate reload check period must not be negative, got " + reloadCheck);
        }
        ServerTls tls = new ServerTls(certFile, keyFile, PemIdentity.load(certFile, keyFile));
        config.jetty.addConnector((server, httpConfig) -> {
            HttpConfiguration https = new HttpConfiguration(httpConfig);
            https.setSecureScheme("https");
            SecureRequestCustomizer secure = new SecureRequestCustomizer();
            secure.setSniRequired(false);
            secure.setSniHostCheck(false);
            https.addCustomizer(secure);
            ServerConnector connector = new ServerConnector(server,
                    new SslConnectionFactory(tls.sslContextFactory, HttpVersion.HTTP_1_1.asString()),
                    new HttpConnectionFactory(https));
            connector.setHost(config.jetty.host);
            connector.setPort(port);
            return connector;
        });
        if (!reloadCheck.isZero()) {
            config.jetty.modifyServer(server -> server.addBean(tls.new ReloadCheck(reloadCheck)));
        }
        CertificateInfo info = tls.served.info();
        LOG.info("https configured port={} cert_file={} subject=\"{}\" names={} not_after={} sha256={} reload_check={}",
                port, certFile, info.subject(), info.alternativeNames(), info.notAfter(), info.sha256Fingerprint(), reloadCheck);
        return tls;
    }

    /**
     * Compares the files with what is served and switches to them when they changed and are
     * valid. Safe to call at any time, from any thread.
     *
     * @return whether a new certificate is now served
     */
    public synchronized boolean reloadIfChanged() {
        byte[] current;
        try {
            current = PemIdentity.digest(certFile, keyFile);
        } catch (IllegalArgumentException e) {
            warnOnce(null, e.getMessage());
            return false;
        }
        if (Arrays.equals(current, served.fileDigest())) {
            return false;
        }
        PemIdentity next;
        try {
            next = PemIdentity.load(certFile, keyFile);
        } catch (IllegalArgumentException e) {
            warnOnce(current, e.getMessage());
            return false;
        }
        KeyStore keyStore = next.keyStore();
        try {
            sslContextFactory.reload(factory -> factory.setKeyStore(keyStore));
        } catch (Exception e) {
            warnOnce(current, "Jetty did not accept the new certificate: " + e.getMessage());
            return false;
        }
        CertificateInfo before = served.info();
        served = next;
        lastRejected = null;
        CertificateInfo after = next.info();
        LOG.info("https certificate reloaded subject=\"{}\" names={} not_after={} sha256={} previous_sha256={}",
                after.subject(), after.alternativeNames(), after.notAfter(), after.sha256Fingerprint(), before.sha256Fingerprint());
        return true;
    }

    /** The certificate served to new connections. */
    public CertificateInfo current() {
        return served.info();
    }

    /** Warns once per rejected content (or per reason while the files cannot be read at all). */
    private void warnOnce(byte[] content, String reason) {
        String key = content == null ? "unreadable: " + reason : HexFormat.of().formatHex(content);
        if (key.equals(lastRejected)) {
            return;
        }
        lastRejected = key;
        LOG.warn("https certificate files changed but cannot be used, still serving sha256={} reason=\"{}\"",
                served.info().sha256Fingerprint(), reason);
    }

    /** Checks the files periodically while the Jetty server runs. */
    private final class ReloadCheck extends AbstractLifeCycle {
        private final Duration period;
        private ScheduledExecutorService executor;

        ReloadCheck(Duration period) {
            this.period = period;
        }

        @Override
        protected void doStart() {
            executor = Executors.newSingleThreadScheduledExecutor(runnable -> {
                Thread thread = new Thread(runnable, "https-certificate-reload");
                thread.setDaemon(true);
                return thread;
            });
            executor.scheduleWithFixedDelay(() -> {
                try {
                    reloadIfChanged();
                } catch (RuntimeException e) { // keep checking: a later rotation may be fine
                    LOG.warn("https certificate reload check failed error=\"{}\"", e.toString(), e);
                }
            }, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
        }

        @Override
        protected void doStop() {
            executor.shutdownNow();
        }
    }
}
