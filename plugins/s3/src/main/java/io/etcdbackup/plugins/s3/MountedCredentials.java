package io.etcdbackup.plugins.s3;

import io.etcdbackup.stores.credentials.MountedSecret;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.core.exception.SdkClientException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Credentials from a mounted secret, re-read whenever the files change, so a rotated secret is
 * used by the next request without a restart. Two layouts, as in gardener/etcd-backup-restore:
 * a directory ({@code AWS_APPLICATION_CREDENTIALS}) with one file per field ({@code accessKeyID},
 * {@code secretAccessKey}, optional {@code sessionToken}, {@code region}, {@code endpoint},
 * {@code s3ForcePathStyle}), or one JSON file ({@code AWS_APPLICATION_CREDENTIALS_JSON}) with
 * the same names as keys. Reading and change detection are {@link MountedSecret}'s.
 */
final class MountedCredentials implements AwsCredentialsProvider {

    static final List<String> FIELDS = List.of("accessKeyID", "secretAccessKey", "sessionToken", "region", "endpoint", "s3ForcePathStyle");
    private static final List<String> REQUIRED = List.of("accessKeyID", "secretAccessKey");

    private final MountedSecret secret;

    private MountedCredentials(MountedSecret secret) {
        this.secret = secret;
    }

    static MountedCredentials directory(Path dir) throws IOException {
        return new MountedCredentials(MountedSecret.directory("S3 credentials (AWS_APPLICATION_CREDENTIALS)", dir, FIELDS, REQUIRED));
    }

    static MountedCredentials jsonFile(Path file) throws IOException {
        return new MountedCredentials(MountedSecret.jsonFile("S3 credentials (AWS_APPLICATION_CREDENTIALS_JSON)", file, FIELDS, REQUIRED));
    }

    /** A non-credential field (region, endpoint, s3ForcePathStyle), as read now. */
    Optional<String> field(String name) throws IOException {
        return secret.read().get(name);
    }

    @Override
    public AwsCredentials resolveCredentials() {
        MountedSecret.Fields f = secret.readOrThrow(e -> SdkClientException.create("cannot read S3 credentials: " + e.getMessage(), e));
        String id = f.orEmpty("accessKeyID");
        String key = f.orEmpty("secretAccessKey");
        return f.get("sessionToken")
                .<AwsCredentials>map(token -> AwsSessionCredentials.create(id, key, token))
                .orElseGet(() -> AwsBasicCredentials.create(id, key));
    }

    @Override
    public String toString() {
        return "MountedCredentials[" + secret.location() + "]"; // never the secrets
    }
}
