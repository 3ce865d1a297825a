import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.List;
import java.util.stream.Stream;

/**
 * Writes Java's {@code cacerts} for the image from Debian's ca-certificates: one trusted entry per
 * {@code *.crt} file of a folder, aliased {@code debian:<file>} as Debian's ca-certificates-java
 * names them. Run by scripts/image-rootfs.sh as a source-file program:
 *
 * <pre>java -Dkeystore.pkcs12.certProtectionAlgorithm=NONE -Dkeystore.pkcs12.macAlgorithm=NONE \
 *     TrustStore.java CERT_DIR OUT</pre>
 *
 * The two properties write a PKCS12 store that needs no password to read, as the JDK's own
 * cacerts: the JVM opens its trust store without one unless javax.net.ssl.trustStorePassword is set.
 * The store is read back without a password and must hold every certificate.
 */
public final class TrustStore {

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            throw new IllegalArgumentException("usage: TrustStore CERT_DIR OUT");
        }
        Path dir = Path.of(args[0]);
        Path out = Path.of(args[1]);
        List<Path> files;
        try (Stream<Path> listing = Files.list(dir)) {
            files = listing.filter(p -> p.getFileName().toString().endsWith(".crt")).sorted().toList();
        }
        CertificateFactory factory = CertificateFactory.getInstance("X.509");
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        for (Path file : files) {
            try (InputStream in = Files.newInputStream(file)) {
                Certificate certificate = factory.generateCertificate(in);
                String name = file.getFileName().toString();
                store.setCertificateEntry("debian:" + name.toLowerCase(java.util.Locale.ROOT), certificate);
            }
        }
        try (OutputStream stream = Files.newOutputStream(out)) {
            store.store(stream, "changeit".toCharArray());
        }
        KeyStore check = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(out)) {
            check.load(in, null);
        }
        if (check.size() != files.size() || files.isEmpty()) {
            throw new IllegalStateException(out + " holds " + check.size() + " certificates, not " + files.size());
        }
        System.err.println("image-rootfs: " + out + ": " + check.size() + " trusted certificates");
    }
}
