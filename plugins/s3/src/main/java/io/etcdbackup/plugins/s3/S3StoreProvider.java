package io.etcdbackup.plugins.s3;

import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.ObjectStoreProvider;
import io.etcdbackup.stores.StoreContext;
import io.etcdbackup.stores.StoreUrl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.S3Configuration;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * {@code s3://BUCKET/PREFIX?option=value}: Amazon S3 and S3-compatible stores. Options:
 * {@code endpoint}, {@code region}, {@code path-style}, {@code sse} ({@code AES256} or
 * {@code aws:kms}), {@code sse-kms-key-id}, {@code part-size} (a size, 5MiB to 2047MiB, default 16MiB;
 * deprecated alias {@code part-size-mib}, whole MiB),
 * {@code upload-parallelism} (1 to 64, default 4), {@code checksums} ({@code when-supported} or
 * {@code when-required}), {@code chunked-encoding} (default true). See {@code docs/stores/s3.md}.
 *
 * <p>Credentials, first match wins: the directory named by {@code AWS_APPLICATION_CREDENTIALS},
 * the JSON file named by {@code AWS_APPLICATION_CREDENTIALS_JSON} (both re-read when they
 * change), {@code AWS_ACCESS_KEY_ID}/{@code AWS_SECRET_ACCESS_KEY}/{@code AWS_SESSION_TOKEN} from
 * the agent's environment, else the SDK's default chain (profiles, web identity, container and
 * instance roles). All environment values come from {@link StoreContext#environment()}.
 */
public final class S3StoreProvider implements ObjectStoreProvider {

    private static final Logger LOG = LoggerFactory.getLogger(S3StoreProvider.class);

    @Override
    public String scheme() {
        return "s3";
    }

    @Override
    public ObjectStore open(StoreUrl url, StoreContext context) throws IOException {
        return open(S3Settings.from(url), context);
    }

    /** Opens with settings already parsed (tests change the part size through this). */
    static S3ObjectStore open(S3Settings parsed, StoreContext context) throws IOException {
        S3Settings settings = parsed;
        Optional<String> secretDir = context.env("AWS_APPLICATION_CREDENTIALS");
        if (secretDir.isPresent() && Files.isDirectory(Path.of(secretDir.get()))) {
            ReferenceSecretFiles extra = ReferenceSecretFiles.inspect(Path.of(secretDir.get()));
            if (extra.checksumsWhenRequired()) {
                settings = settings.withChecksumsWhenRequired();
            }
            extra.unread().ifPresent(why -> LOG.warn("S3 secret files not read location={} reason=\"{}\"", secretDir.get(), why));
        }
        Optional<MountedCredentials> mounted = mountedCredentials(context);
        AwsCredentialsProvider credentials;
        if (mounted.isPresent()) {
            credentials = mounted.get();
        } else if (context.env("AWS_ACCESS_KEY_ID").isPresent() && context.env("AWS_SECRET_ACCESS_KEY").isPresent()) {
            String id = context.env("AWS_ACCESS_KEY_ID").get();
            String secret = context.env("AWS_SECRET_ACCESS_KEY").get();
            credentials = StaticCredentialsProvider.create(context.env("AWS_SESSION_TOKEN")
                    .<software.amazon.awssdk.auth.credentials.AwsCredentials>map(t -> AwsSessionCredentials.create(id, secret, t))
                    .orElseGet(() -> AwsBasicCredentials.create(id, secret)));
        } else {
            credentials = DefaultCredentialsProvider.builder().build();
        }

        // URL options win over the mounted secret's region/endpoint/s3ForcePathStyle, which win over the environment.
        Optional<String> region = settings.region();
        Optional<URI> endpoint = settings.endpoint();
        boolean pathStyle = settings.pathStyle();
        if (mounted.isPresent()) {
            if (region.isEmpty()) {
                region = mounted.get().field("region");
            }
            if (endpoint.isEmpty()) {
                endpoint = mounted.get().field("endpoint").map(URI::create);
            }
            if (!settings.pathStyle()) {
                pathStyle = mounted.get().field("s3ForcePathStyle").map(v -> v.equalsIgnoreCase("true")).orElse(false);
            }
        }
        if (region.isEmpty()) {
            region = context.env("AWS_REGION").or(() -> context.env("AWS_DEFAULT_REGION"));
        }

        S3ClientBuilder builder = S3Client.builder()
                .httpClientBuilder(ApacheHttpClient.builder()
                        .maxConnections(Math.max(16, settings.uploadParallelism() * 4))
                        .connectionTimeout(Duration.ofSeconds(10))
                        .socketTimeout(Duration.ofMinutes(2)))
                .credentialsProvider(credentials)
                .region(Region.of(region.orElse("us-east-1")))
                .serviceConfiguration(S3Configuration.builder()
                        .pathStyleAccessEnabled(pathStyle)
                        .chunkedEncodingEnabled(settings.chunkedEncoding())
                        .build());
        endpoint.ifPresent(builder::endpointOverride);
        if (settings.checksumsWhenRequired()) {
            builder.requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                    .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        }
        S3ObjectStore store = new S3ObjectStore(builder.build(), settings);
        LOG.info("opened S3 store: location={} endpoint={} region={} path_style={} part_size={} upload_parallelism={} credentials={}",
                store.location(), endpoint.map(URI::toString).orElse("aws"), region.orElse("us-east-1"), pathStyle,
                settings.partSize(), settings.uploadParallelism(), mounted.isPresent() ? "mounted" : "environment/default-chain");
        return store;
    }

    private static Optional<MountedCredentials> mountedCredentials(StoreContext context) throws IOException {
        Optional<String> dir = context.env("AWS_APPLICATION_CREDENTIALS");
        if (dir.isPresent()) {
            return Optional.of(MountedCredentials.directory(Path.of(dir.get())));
        }
        Optional<String> json = context.env("AWS_APPLICATION_CREDENTIALS_JSON");
        if (json.isPresent()) {
            return Optional.of(MountedCredentials.jsonFile(Path.of(json.get())));
        }
        return Optional.empty();
    }
}
