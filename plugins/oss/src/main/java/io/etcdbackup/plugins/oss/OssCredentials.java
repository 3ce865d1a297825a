package io.etcdbackup.plugins.oss;

import com.aliyun.oss.ClientException;
import com.aliyun.oss.common.auth.Credentials;
import com.aliyun.oss.common.auth.CredentialsProvider;
import com.aliyun.oss.common.auth.DefaultCredentialProvider;
import com.aliyun.oss.common.auth.DefaultCredentials;
import io.etcdbackup.stores.StoreContext;
import io.etcdbackup.stores.credentials.MountedSecret;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * An Alibaba Cloud access key, as the SDK's {@link CredentialsProvider}. Sources, first match wins:
 * the directory named by {@value #CREDENTIALS_DIR_ENV} (the reference's mounted secret: files
 * {@code accessKeyID}, {@code accessKeySecret}, optional {@code storageEndpoint}), re-read after
 * its files change so every request is signed with the key mounted now; otherwise the variables
 * {@code ALIBABA_CLOUD_ACCESS_KEY_ID}, {@code ALIBABA_CLOUD_ACCESS_KEY_SECRET} and optional
 * {@code ALIBABA_CLOUD_SECURITY_TOKEN}, fixed for the life of the store.
 *
 * @param provider what the SDK asks for the key before each request
 * @param endpoint the endpoint the credentials name (file {@code storageEndpoint}, read when the
 *                 store opens), or empty
 * @param source   where the key comes from, for messages
 */
record OssCredentials(CredentialsProvider provider, String endpoint, String source) {

    static final String CREDENTIALS_DIR_ENV = "ALICLOUD_APPLICATION_CREDENTIALS";
    private static final List<String> FIELDS = List.of("accessKeyID", "accessKeySecret", "storageEndpoint");
    private static final List<String> REQUIRED = List.of("accessKeyID", "accessKeySecret");

    /**
     * Resolves the credentials from the context; a credentials directory is read once now.
     *
     * @throws IllegalArgumentException naming the missing variables
     * @throws IOException              naming the directory and the missing file, or why it cannot be read
     */
    static OssCredentials from(StoreContext context) throws IOException {
        Optional<String> dir = context.env(CREDENTIALS_DIR_ENV);
        if (dir.isPresent()) {
            MountedSecret secret = MountedSecret.directory("OSS credentials (" + CREDENTIALS_DIR_ENV + ")", Path.of(dir.get()), FIELDS, REQUIRED);
            return new OssCredentials(new Mounted(secret), secret.read().orEmpty("storageEndpoint"),
                    "files in " + dir.get() + " (" + CREDENTIALS_DIR_ENV + ")");
        }
        String id = env(context, "ALIBABA_CLOUD_ACCESS_KEY_ID");
        String secret = env(context, "ALIBABA_CLOUD_ACCESS_KEY_SECRET");
        String token = env(context, "ALIBABA_CLOUD_SECURITY_TOKEN");
        if (id.isEmpty() || secret.isEmpty()) {
            throw new IllegalArgumentException("no OSS access key in ALIBABA_CLOUD_* environment variables: need "
                    + "ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET (or " + CREDENTIALS_DIR_ENV
                    + " naming a credentials directory)");
        }
        return new OssCredentials(token.isEmpty() ? new DefaultCredentialProvider(id, secret) : new DefaultCredentialProvider(id, secret, token),
                "", "ALIBABA_CLOUD_* environment variables");
    }

    private static String env(StoreContext context, String name) {
        return context.env(name).orElse("").trim();
    }

    /** Never shows the secret or the token. */
    @Override
    public String toString() {
        return "OssCredentials[endpoint=" + endpoint + ", source=" + source + "]";
    }

    /** The key in a mounted directory, as the files hold it at each request. */
    private record Mounted(MountedSecret secret) implements CredentialsProvider {

        @Override
        public Credentials getCredentials() {
            MountedSecret.Fields fields = secret.readOrThrow(UnreadableCredentialsException::new);
            return new DefaultCredentials(fields.orEmpty("accessKeyID"), fields.orEmpty("accessKeySecret"));
        }

        @Override
        public void setCredentials(Credentials credentials) {
            throw new UnsupportedOperationException("the credentials come from " + secret.location());
        }
    }

    /**
     * The mounted credentials could not be read before a request (a rotation left a field out, the
     * directory is gone); a {@link ClientException} because that is what the SDK's callers catch.
     */
    static final class UnreadableCredentialsException extends ClientException {
        UnreadableCredentialsException(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }
}
