package io.etcdbackup.agent.http;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * A server certificate chain and its private key, read from PEM files: what the HTTPS connector
 * serves. Certificates are X.509 {@code CERTIFICATE} blocks, the server's first, then any
 * intermediates; the key is unencrypted PKCS#8 ({@code PRIVATE KEY}), PKCS#1
 * ({@code RSA PRIVATE KEY}) or SEC1 ({@code EC PRIVATE KEY}), as cert-manager, kubeadm and openssl
 * write them. Both may be in one file. Other PEM blocks are ignored.
 */
final class PemIdentity {

    /** Protects the key inside the in-memory key store only; never written anywhere. */
    static final String KEY_STORE_PASSWORD = "in-memory";
    static final String ALIAS = "server";

    private final List<X509Certificate> chain;
    private final PrivateKey key;
    private final byte[] fileDigest;

    private PemIdentity(List<X509Certificate> chain, PrivateKey key, byte[] fileDigest) {
        this.chain = List.copyOf(chain);
        this.key = key;
        this.fileDigest = fileDigest;
    }

    /**
     * Reads and checks both files: readable, parseable, a key that belongs to the first certificate.
     *
     * @throws IllegalArgumentException naming the file and what is wrong with it
     */
    static PemIdentity load(Path certFile, Path keyFile) {
        String certText = read(certFile, "certificate");
        String keyText = read(keyFile, "key");
        List<X509Certificate> chain = certificates(certFile, certText);
        PrivateKey key = privateKey(keyFile, keyText);
        if (!belongTogether(key, chain.get(0).getPublicKey())) {
            throw new IllegalArgumentException("HTTPS server key file " + keyFile + " does not belong to the certificate in " + certFile
                    + " (" + chain.get(0).getSubjectX500Principal().getName() + ")");
        }
        return new PemIdentity(chain, key, digest(certText, keyText));
    }

    /** A fingerprint of both files' contents, to notice that they changed without parsing them. */
    static byte[] digest(Path certFile, Path keyFile) {
        return digest(read(certFile, "certificate"), read(keyFile, "key"));
    }

    /** The chain and key as a key store for Jetty (alias {@link #ALIAS}, password {@link #KEY_STORE_PASSWORD}). */
    KeyStore keyStore() {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry(ALIAS, key, KEY_STORE_PASSWORD.toCharArray(), chain.toArray(new X509Certificate[0]));
            return store;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build an in-memory key store: " + e.getMessage(), e);
        }
    }

    byte[] fileDigest() {
        return fileDigest.clone();
    }

    X509Certificate certificate() {
        return chain.get(0);
    }

    List<X509Certificate> chain() {
        return chain;
    }

    /** What to log about the served certificate (no key material). */
    ServerTls.CertificateInfo info() {
        X509Certificate cert = certificate();
        List<String> names = new ArrayList<>();
        try {
            if (cert.getSubjectAlternativeNames() != null) {
                cert.getSubjectAlternativeNames().forEach(san -> names.add(String.valueOf(san.get(1))));
            }
        } catch (java.security.cert.CertificateParsingException e) {
            names.add("(unreadable subject alternative names)");
        }
        String fingerprint;
        try {
            fingerprint = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        return new ServerTls.CertificateInfo(cert.getSubjectX500Principal().getName(), names, cert.getNotBefore().toInstant(),
                cert.getNotAfter().toInstant(), fingerprint, chain.size());
    }

    private static String read(Path file, String what) {
        if (!Files.exists(file)) {
            throw new IllegalArgumentException("HTTPS server " + what + " file " + file + " does not exist");
        }
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("HTTPS server " + what + " file " + file + " is not a regular file");
        }
        if (!Files.isReadable(file)) {
            throw new IllegalArgumentException("HTTPS server " + what + " file " + file + " is not readable by this process");
        }
        try {
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalArgumentException("HTTPS server " + what + " file " + file + " cannot be read: " + e.getMessage(), e);
        }
    }

    private static List<X509Certificate> certificates(Path file, String text) {
        List<X509Certificate> chain = new ArrayList<>();
        JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
        try (PEMParser parser = new PEMParser(new StringReader(text))) {
            for (Object block = parser.readObject(); block != null; block = parser.readObject()) {
                if (block instanceof X509CertificateHolder holder) {
                    chain.add(converter.getCertificate(holder));
                }
            }
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new IllegalArgumentException("HTTPS server certificate file " + file + " is not valid PEM: " + oneLine(e), e);
        }
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("HTTPS server certificate file " + file
                    + " holds no certificate (expected a '-----BEGIN CERTIFICATE-----' block)");
        }
        return chain;
    }

    private static PrivateKey privateKey(Path file, String text) {
        PrivateKeyInfo keyInfo = null;
        boolean encrypted = false;
        try (PEMParser parser = new PEMParser(new StringReader(text))) {
            for (Object block = parser.readObject(); block != null && keyInfo == null; block = parser.readObject()) {
                if (block instanceof PEMKeyPair pair) { // PKCS#1 RSA or SEC1 EC
                    keyInfo = pair.getPrivateKeyInfo();
                } else if (block instanceof PrivateKeyInfo info) { // PKCS#8
                    keyInfo = info;
                } else if (block instanceof PEMEncryptedKeyPair || block instanceof PKCS8EncryptedPrivateKeyInfo) {
                    encrypted = true;
                }
            }
        } catch (IOException | RuntimeException e) {
            // The message never quotes the file's content: it is a secret.
            throw new IllegalArgumentException("HTTPS server key file " + file + " is not a valid PEM private key ("
                    + e.getClass().getSimpleName() + ")", e);
        }
        if (keyInfo == null && encrypted) {
            throw new IllegalArgumentException("HTTPS server key file " + file
                    + " holds an encrypted private key; give it unencrypted (there is no passphrase option)");
        }
        if (keyInfo == null) {
            throw new IllegalArgumentException("HTTPS server key file " + file + " holds no private key (expected '-----BEGIN PRIVATE KEY-----', "
                    + "'-----BEGIN RSA PRIVATE KEY-----' or '-----BEGIN EC PRIVATE KEY-----')");
        }
        try {
            return new JcaPEMKeyConverter().getPrivateKey(keyInfo);
        } catch (IOException e) {
            // BouncyCastle's message names the algorithm problem, never the key's bytes.
            throw new IllegalArgumentException("HTTPS server key file " + file + " holds a private key this JVM cannot use: "
                    + e.getMessage(), e);
        }
    }

    /** Signs random bytes with the key and checks the signature with the certificate's public key. */
    private static boolean belongTogether(PrivateKey key, PublicKey publicKey) {
        if (!key.getAlgorithm().equals(publicKey.getAlgorithm()) && !(isEdDsa(key.getAlgorithm()) && isEdDsa(publicKey.getAlgorithm()))) {
            return false;
        }
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "Ed448", "EdDSA" -> key.getAlgorithm();
            default -> throw new IllegalArgumentException("HTTPS server key algorithm " + key.getAlgorithm()
                    + " is not supported; use RSA, EC or EdDSA");
        };
        try {
            byte[] challenge = new byte[32];
            new SecureRandom().nextBytes(challenge);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(challenge);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static boolean isEdDsa(String algorithm) {
        return algorithm.equals("EdDSA") || algorithm.equals("Ed25519") || algorithm.equals("Ed448");
    }

    private static byte[] digest(String certText, String keyText) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(certText.getBytes(StandardCharsets.US_ASCII));
            sha.update((byte) 0);
            sha.update(keyText.getBytes(StandardCharsets.US_ASCII));
            return sha.digest();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String oneLine(Exception e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }

    @Override
    public String toString() {
        return "PemIdentity[" + certificate().getSubjectX500Principal().getName() + ", notAfter="
                + Instant.ofEpochMilli(certificate().getNotAfter().getTime()) + "]";
    }
}
