package io.etcdbackup.plugins.oss;

import io.etcdbackup.stores.StoreContext;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * An Alibaba Cloud access key. Sources, first match wins: the directory named by
 * {@value #CREDENTIALS_DIR_ENV} (the reference's mounted secret: files {@code accessKeyID},
 * {@code accessKeySecret}, optional {@code storageEndpoint}), otherwise the variables
 * {@code ALIBABA_CLOUD_ACCESS_KEY_ID}, {@code ALIBABA_CLOUD_ACCESS_KEY_SECRET} and optional
 * {@code ALIBABA_CLOUD_SECURITY_TOKEN}.
 *
 * @param accessKeyId     the access key id
 * @param accessKeySecret the secret
 * @param securityToken   an STS token, or empty
 * @param endpoint        the endpoint the credentials name (file {@code storageEndpoint}), or empty
 * @param source          where they came from, for messages
 */
record OssCredentials(String accessKeyId, String accessKeySecret, String securityToken, String endpoint, String source) {

    static final String CREDENTIALS_DIR_ENV = "ALICLOUD_APPLICATION_CREDENTIALS";

    /**
     * Reads the credentials from the context.
     *
     * @throws IllegalArgumentException naming what is missing
     * @throws IOException              if the credentials directory cannot be read
     */
    static OssCredentials from(StoreContext context) throws IOException {
        Optional<String> dir = context.env(CREDENTIALS_DIR_ENV);
        OssCredentials credentials;
        if (dir.isPresent()) {
            Path path = Path.of(dir.get());
            if (!Files.isDirectory(path)) {
                throw new IllegalArgumentException(CREDENTIALS_DIR_ENV + " names '" + path + "', which is not a directory");
            }
            credentials = new OssCredentials(file(path, "accessKeyID"), file(path, "accessKeySecret"), "",
                    file(path, "storageEndpoint"), "files in " + path + " (" + CREDENTIALS_DIR_ENV + ")");
        } else {
            credentials = new OssCredentials(env(context, "ALIBABA_CLOUD_ACCESS_KEY_ID"), env(context, "ALIBABA_CLOUD_ACCESS_KEY_SECRET"),
                    env(context, "ALIBABA_CLOUD_SECURITY_TOKEN"), "", "ALIBABA_CLOUD_* environment variables");
        }
        if (credentials.accessKeyId.isEmpty() || credentials.accessKeySecret.isEmpty()) {
            throw new IllegalArgumentException("no OSS access key in " + credentials.source + ": need "
                    + (dir.isPresent() ? "files accessKeyID and accessKeySecret" : "ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET")
                    + (dir.isPresent() ? "" : " (or " + CREDENTIALS_DIR_ENV + " naming a credentials directory)"));
        }
        return credentials;
    }

    private static String env(StoreContext context, String name) {
        return context.env(name).orElse("").trim();
    }

    private static String file(Path dir, String name) throws IOException {
        try {
            return Files.readString(dir.resolve(name), StandardCharsets.UTF_8).trim();
        } catch (NoSuchFileException e) {
            return "";
        }
    }

    /** Never shows the secret or the token. */
    @Override
    public String toString() {
        return "OssCredentials[accessKeyId=" + accessKeyId + ", securityToken=" + (securityToken.isEmpty() ? "none" : "set")
                + ", endpoint=" + endpoint + ", source=" + source + "]";
    }
}
