package io.etcdbackup.agent.http;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

/**
 * Whom an agent trusts when it forwards a request to the leader's agent over HTTPS: the JVM's
 * default CAs, plus the CA that issued the agents' API certificates ({@code --server-ca}). A trust
 * store given to the whole JVM ({@code -Djavax.net.ssl.trustStore}) would replace the default CAs,
 * which the cloud stores' HTTPS needs; this adds one CA, and only for forwarding. Host names are
 * verified as always.
 */
public final class ForwardingTrust {

    private ForwardingTrust() {
    }

    /**
     * A TLS context trusting the JVM's default CAs and every certificate in {@code caFile}.
     *
     * @throws IllegalArgumentException when the file cannot be read or holds no PEM certificate,
     *                                  naming the file
     */
    public static SSLContext withExtraCa(Path caFile) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {trustManager(caFile)}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("CA file " + caFile + " cannot be used: " + e.getMessage(), e);
        }
    }

    /** The JVM's default CAs and those in {@code caFile}: a chain either trusts is trusted. */
    static X509TrustManager trustManager(Path caFile) throws GeneralSecurityException {
        return new EitherTrustManager(managerOf(keyStore(caFile)), managerOf(null));
    }

    private static KeyStore keyStore(Path caFile) throws GeneralSecurityException {
        Collection<? extends Certificate> certificates;
        try (InputStream in = Files.newInputStream(caFile)) {
            certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
        } catch (IOException e) {
            throw new IllegalArgumentException("CA file " + caFile + " cannot be read: " + e, e);
        } catch (CertificateException e) {
            throw new IllegalArgumentException("CA file " + caFile + " is not PEM certificates: " + e.getMessage(), e);
        }
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException("CA file " + caFile + " holds no certificate");
        }
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        try {
            store.load(null, null);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        int index = 0;
        for (Certificate certificate : certificates) {
            store.setCertificateEntry("ca-" + index++, certificate);
        }
        return store;
    }

    private static X509TrustManager managerOf(KeyStore store) throws GeneralSecurityException {
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store);
        return Arrays.stream(factory.getTrustManagers()).filter(X509TrustManager.class::isInstance).map(X509TrustManager.class::cast)
                .findFirst().orElseThrow(() -> new GeneralSecurityException("no X.509 trust manager"));
    }

    /** Trusts a chain that either manager trusts; the first one's refusal is kept as the cause when both refuse. */
    private record EitherTrustManager(X509TrustManager first, X509TrustManager second) implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            second.checkClientTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            try {
                first.checkServerTrusted(chain, authType);
            } catch (CertificateException notByTheExtraCa) {
                try {
                    second.checkServerTrusted(chain, authType);
                } catch (CertificateException neither) {
                    neither.addSuppressed(notByTheExtraCa);
                    throw neither;
                }
            }
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            List<X509Certificate> issuers = new ArrayList<>(Arrays.asList(first.getAcceptedIssuers()));
            issuers.addAll(Arrays.asList(second.getAcceptedIssuers()));
            return issuers.toArray(X509Certificate[]::new);
        }
    }
}
