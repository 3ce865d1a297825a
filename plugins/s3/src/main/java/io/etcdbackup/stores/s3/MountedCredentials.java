package io.etcdbackup.stores.s3;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.protocols.jsoncore.JsonNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Credentials from a mounted secret, re-read whenever the files change, so a rotated secret is
 * used by the next request without a restart. Two layouts, as in gardener/etcd-backup-restore:
 * a directory ({@code AWS_APPLICATION_CREDENTIALS}) with one file per field ({@code accessKeyID},
 * {@code secretAccessKey}, optional {@code sessionToken}, {@code region}, {@code endpoint},
 * {@code s3ForcePathStyle}), or one JSON file ({@code AWS_APPLICATION_CREDENTIALS_JSON}) with
 * the same names as keys. Changes are detected by the files' modification times and sizes,
 * checked on every call (a few stat calls, far cheaper than the request they sign).
 */
final class MountedCredentials implements AwsCredentialsProvider {

    static final List<String> FIELDS = List.of("accessKeyID", "secretAccessKey", "sessionToken", "region", "endpoint", "s3ForcePathStyle");

    private final Path source;
    private final boolean json;
    private String fingerprint;
    private Map<String, String> fields;

    private MountedCredentials(Path source, boolean json) {
        this.source = source;
        this.json = json;
    }

    static MountedCredentials directory(Path dir) throws IOException {
        MountedCredentials c = new MountedCredentials(dir, false);
        c.fields();
        return c;
    }

    static MountedCredentials jsonFile(Path file) throws IOException {
        MountedCredentials c = new MountedCredentials(file, true);
        c.fields();
        return c;
    }

    /** A non-credential field (region, endpoint, s3ForcePathStyle), as read now. */
    Optional<String> field(String name) throws IOException {
        return Optional.ofNullable(fields().get(name));
    }

    @Override
    public AwsCredentials resolveCredentials() {
        Map<String, String> f;
        try {
            f = fields();
        } catch (IOException e) {
            throw SdkClientException.create("cannot read S3 credentials from " + source + ": " + e.getMessage(), e);
        }
        String token = f.get("sessionToken");
        return token == null
                ? AwsBasicCredentials.create(f.get("accessKeyID"), f.get("secretAccessKey"))
                : AwsSessionCredentials.create(f.get("accessKeyID"), f.get("secretAccessKey"), token);
    }

    synchronized Map<String, String> fields() throws IOException {
        String now = fingerprint();
        if (!now.equals(fingerprint)) {
            Map<String, String> read = json ? readJson() : readDirectory();
            for (String required : List.of("accessKeyID", "secretAccessKey")) {
                if (read.get(required) == null) {
                    throw new IOException("S3 credentials in " + source + " lack '" + required + "'"
                            + (json ? " (a JSON key)" : " (a file in the directory)"));
                }
            }
            fields = read;
            fingerprint = now;
        }
        return fields;
    }

    private String fingerprint() throws IOException {
        StringBuilder b = new StringBuilder();
        for (Path file : json ? List.of(source) : FIELDS.stream().map(source::resolve).toList()) {
            try {
                b.append(Files.getLastModifiedTime(file).toMillis()).append(':').append(Files.size(file)).append(';');
            } catch (NoSuchFileException e) {
                if (json) {
                    throw new IOException("S3 credentials file " + source + " does not exist", e);
                }
                b.append("-;");
            }
        }
        return b.toString();
    }

    private Map<String, String> readDirectory() throws IOException {
        if (!Files.isDirectory(source)) {
            throw new IOException("S3 credentials directory " + source + " does not exist or is not a directory");
        }
        Map<String, String> read = new HashMap<>();
        for (String name : FIELDS) {
            Path file = source.resolve(name);
            if (Files.isRegularFile(file)) {
                String value = Files.readString(file, StandardCharsets.UTF_8).strip();
                if (!value.isEmpty()) {
                    read.put(name, value);
                }
            }
        }
        return read;
    }

    private Map<String, String> readJson() throws IOException {
        JsonNode root;
        try {
            root = JsonNode.parser().parse(Files.readString(source, StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            throw new IOException("S3 credentials file " + source + " is not valid JSON: " + e.getMessage(), e);
        }
        if (!root.isObject()) {
            throw new IOException("S3 credentials file " + source + " must hold a JSON object");
        }
        Map<String, String> read = new HashMap<>();
        for (String name : FIELDS) {
            JsonNode value = root.asObject().get(name);
            if (value != null && !value.isNull()) {
                String text = value.isString() ? value.asString() : value.text();
                if (text != null && !text.isBlank()) {
                    read.put(name, text.strip());
                }
            }
        }
        return read;
    }

    @Override
    public String toString() {
        return "MountedCredentials[" + source + "]"; // never the secrets
    }
}
