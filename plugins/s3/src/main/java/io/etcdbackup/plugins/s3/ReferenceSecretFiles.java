package io.etcdbackup.plugins.s3;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * The files of the reference's S3 secret directory ({@code AWS_APPLICATION_CREDENTIALS}) beyond the
 * keys, region, endpoint and path style that {@link MountedCredentials} reads:
 * <ul>
 *   <li>{@code requestChecksumCalculation} / {@code responseChecksumValidation} = {@code when_required}:
 *   the store URL option {@code checksums=when-required};</li>
 *   <li>{@code sseCustomerKey} / {@code sseCustomerAlgorithm} (SSE-C), and {@code roleARN} with {@code token}
 *   (web identity) without keys: refused when the store opens, naming the file, because this agent
 *   does not implement them (it would otherwise write unencrypted objects, or fail later less clearly);</li>
 *   <li>{@code trustedCaCert} and {@code insecureSkipVerify}: not read; reported so that a TLS failure
 *   to a private S3-compatible endpoint is explained (add the CA to the JVM's trust store).</li>
 * </ul>
 * Read once, when the store opens.
 *
 * @param checksumsWhenRequired whether either checksum file says {@code when_required}
 * @param unread                the files present that this agent does not read, for a warning; empty when none
 */
record ReferenceSecretFiles(boolean checksumsWhenRequired, Optional<String> unread) {

    /**
     * Inspects the directory.
     *
     * @throws IOException naming the file when the secret asks for something this agent does not do, or a
     *                     checksum file holds neither {@code when_supported} nor {@code when_required}
     */
    static ReferenceSecretFiles inspect(Path dir) throws IOException {
        for (String sse : new String[] {"sseCustomerKey", "sseCustomerAlgorithm"}) {
            if (Files.exists(dir.resolve(sse))) {
                throw new IOException("S3 credentials (AWS_APPLICATION_CREDENTIALS): '" + dir.resolve(sse) + "' asks for SSE-C "
                        + "(customer-provided keys), which this agent does not implement; refusing rather than writing "
                        + "unencrypted objects (use the store URL option sse=aws:kms or sse=AES256)");
            }
        }
        if (Files.exists(dir.resolve("roleARN")) && !Files.exists(dir.resolve("accessKeyID"))) {
            throw new IOException("S3 credentials (AWS_APPLICATION_CREDENTIALS): '" + dir.resolve("roleARN") + "' asks for web "
                    + "identity (roleARN and token), which this agent does not read from the secret; mount accessKeyID and "
                    + "secretAccessKey instead");
        }
        boolean whenRequired = false;
        for (String name : new String[] {"requestChecksumCalculation", "responseChecksumValidation"}) {
            Optional<String> value = read(dir.resolve(name));
            if (value.isPresent()) {
                String v = value.get().toLowerCase(Locale.ROOT);
                if (!v.equals("when_supported") && !v.equals("when_required")) {
                    throw new IOException("S3 credentials (AWS_APPLICATION_CREDENTIALS): '" + dir.resolve(name) + "' must be "
                            + "when_supported or when_required");
                }
                whenRequired |= v.equals("when_required");
            }
        }
        Optional<String> unread = Optional.empty();
        if (Files.exists(dir.resolve("trustedCaCert")) || read(dir.resolve("insecureSkipVerify")).filter("true"::equalsIgnoreCase).isPresent()) {
            unread = Optional.of("trustedCaCert/insecureSkipVerify are not read: the endpoint's certificate is verified against "
                    + "the JVM's trust store");
        }
        return new ReferenceSecretFiles(whenRequired, unread);
    }

    private static Optional<String> read(Path file) throws IOException {
        return Files.isRegularFile(file) ? Optional.of(Files.readString(file, StandardCharsets.UTF_8).strip()) : Optional.empty();
    }
}
