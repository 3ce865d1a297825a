package io.etcdbackup.agent.http;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.jcajce.JcaMiscPEMGenerator;
import org.bouncycastle.openssl.jcajce.JcePEMEncryptorBuilder;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.openssl.PKCS8Generator;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;


import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;

/** Self-signed (or CA-signed) certificates and their keys as PEM, made in the test. */
public final class TestCertificates {

    /** The way a private key is written. */
    enum KeyFormat {
        /** {@code PRIVATE KEY}. */
        PKCS8,
        /** {@code RSA PRIVATE KEY} (PKCS#1) or {@code EC PRIVATE KEY} (SEC1, with its curve), as openssl writes them. */
        TRADITIONAL,
        /** {@code ENCRYPTED PRIVATE KEY}. */
        ENCRYPTED_PKCS8,
        /** A traditional key with OpenSSL's {@code Proc-Type: 4,ENCRYPTED} header. */
        ENCRYPTED_TRADITIONAL
    }

    /** Only for writing encrypted keys (the JDK lacks OpenSSL's key derivations); never registered globally. */
    private static final BouncyCastleProvider BOUNCY_CASTLE = new BouncyCastleProvider();
    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

    private TestCertificates() {
    }

    /** A certificate with its key. */
    public record Issued(X509Certificate certificate, KeyPair keys) {

        String certificatePem() {
            return pem(certificate);
        }

        String keyPem(KeyFormat format) {
            try {
                return switch (format) {
                    case PKCS8 -> pem(new JcaPKCS8Generator(keys.getPrivate(), null));
                    case TRADITIONAL -> traditional();
                    case ENCRYPTED_PKCS8 -> encryptedPkcs8();
                    case ENCRYPTED_TRADITIONAL -> pem(new JcaMiscPEMGenerator(keys.getPrivate(),
                            new JcePEMEncryptorBuilder("AES-128-CBC").setProvider(BOUNCY_CASTLE).build("secret".toCharArray())));
                };
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        private String traditional() throws IOException {
            if (!keys.getPrivate().getAlgorithm().equals("EC")) {
                return pem(keys.getPrivate()); // PKCS#1 for RSA
            }
            // BouncyCastle's writer drops the curve from SEC1 keys made from JDK keys; openssl,
            // cert-manager and kubeadm keep it, so build it the way they write it.
            PrivateKeyInfo info = PrivateKeyInfo.getInstance(keys.getPrivate().getEncoded());
            org.bouncycastle.asn1.sec.ECPrivateKey inner = org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(info.parsePrivateKey());
            org.bouncycastle.asn1.sec.ECPrivateKey withCurve = new org.bouncycastle.asn1.sec.ECPrivateKey(256, inner.getKey(),
                    info.getPrivateKeyAlgorithm().getParameters());
            return pem(new PemObject("EC PRIVATE KEY", withCurve.getEncoded()));
        }

        private String encryptedPkcs8() throws Exception {
            return pem(new JcaPKCS8Generator(keys.getPrivate(), new JceOpenSSLPKCS8EncryptorBuilder(PKCS8Generator.AES_256_CBC)
                    .setProvider(BOUNCY_CASTLE).setPassword("secret".toCharArray()).build()));
        }

        /** Writes the certificate and the key (PKCS#8) to {@code dir/name.crt} and {@code dir/name.key}. */
        public Path[] write(Path dir, String name) throws IOException {
            Path cert = Files.writeString(dir.resolve(name + ".crt"), certificatePem(), StandardCharsets.US_ASCII);
            Path key = Files.writeString(dir.resolve(name + ".key"), keyPem(KeyFormat.PKCS8), StandardCharsets.US_ASCII);
            return new Path[] {cert, key};
        }

        /** A client TLS context that trusts only this certificate. */
        public SSLContext trustingOnlyThis() {
            try {
                KeyStore trust = KeyStore.getInstance("PKCS12");
                trust.load(null, null);
                trust.setCertificateEntry("trusted", certificate);
                TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                factory.init(trust);
                SSLContext context = SSLContext.getInstance("TLS");
                context.init(null, factory.getTrustManagers(), null);
                return context;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** A self-signed server certificate for {@code localhost} and {@code 127.0.0.1}. */
    public static Issued selfSigned(String commonName, String keyAlgorithm) {
        KeyPair keys = keyPair(keyAlgorithm);
        return new Issued(sign(commonName, keys.getPublic(), commonName, keys, false), keys);
    }

    /** A CA certificate (self-signed, may sign others). */
    static Issued authority(String commonName) {
        KeyPair keys = keyPair("EC");
        return new Issued(sign(commonName, keys.getPublic(), commonName, keys, true), keys);
    }

    /** A server certificate signed by {@code issuer}. */
    static Issued signedBy(Issued issuer, String commonName) {
        KeyPair keys = keyPair("EC");
        return new Issued(sign(commonName, keys.getPublic(), issuer.certificate().getSubjectX500Principal().getName(), issuer.keys(), false),
                keys);
    }

    static String pem(Object object) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(object);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toString();
    }

    private static KeyPair keyPair(String algorithm) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
            if (algorithm.equals("RSA")) {
                generator.initialize(2048);
            } else if (algorithm.equals("EC")) {
                generator.initialize(256);
            }
            return generator.generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static X509Certificate sign(String subject, java.security.PublicKey subjectKey, String issuer, KeyPair issuerKeys,
                                        boolean authority) {
        try {
            Instant now = Instant.now();
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                    new X500Name(issuer.contains("=") ? issuer : "CN=" + issuer),
                    BigInteger.valueOf(SERIAL.incrementAndGet()),
                    Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(1))),
                    new X500Name("CN=" + subject), subjectKey);
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(authority));
            if (!authority) {
                builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                        new GeneralName(GeneralName.dNSName, "localhost"),
                        new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
            }
            String signature = switch (issuerKeys.getPrivate().getAlgorithm()) {
                case "RSA" -> "SHA256withRSA";
                case "EC" -> "SHA256withECDSA";
                default -> "Ed25519"; // the JDK calls its Ed25519 keys "EdDSA"
            };
            return new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder(signature).build(issuerKeys.getPrivate())));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
