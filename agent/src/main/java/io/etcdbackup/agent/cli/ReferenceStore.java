package io.etcdbackup.agent.cli;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The reference's way of naming a store ({@code --storage-provider}, the bucket from
 * {@code --store-container} or {@code STORAGE_CONTAINER}, {@code --store-prefix},
 * {@code --store-endpoint-override}) as one of our store URLs. Pure: the caller reads the
 * environment. The reference writes its objects under {@code <prefix>/v2/}, which our importer
 * reads; ours go under {@code <prefix>/eba-v1/}, beside them.
 */
final class ReferenceStore {

    /** The providers, spelt as the reference accepts them (case matters), with our URL scheme. */
    enum Provider {
        Local("file"), S3("s3"), ABS("azblob"), GCS("gs"), Swift("swift"), OSS("oss");

        private final String scheme;

        Provider(String scheme) {
            this.scheme = scheme;
        }

        /** Whether the reference uses {@code --store-endpoint-override} with this provider (S3, ABS, GCS). */
        boolean takesEndpoint() {
            return this == S3 || this == ABS || this == GCS;
        }

        /**
         * The provider named {@code name}, spelt as the reference spells it.
         *
         * @throws IllegalArgumentException naming the accepted spellings (and what to do for ECS and OCS)
         */
        static Provider of(String name) {
            for (Provider p : values()) {
                if (p.name().equals(name)) {
                    return p;
                }
            }
            if (name.equals("ECS") || name.equals("OCS")) {
                throw new IllegalArgumentException("not supported here; give --store s3://BUCKET/PREFIX?endpoint=URL&path-style=true "
                        + "with AWS_APPLICATION_CREDENTIALS instead");
            }
            throw new IllegalArgumentException("unknown storage provider; use one of "
                    + Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", ")) + " (case matters, as in the reference)");
        }
    }

    /** The bucket of a Local store without one, as in the reference. */
    static final String DEFAULT_LOCAL_CONTAINER = "default.bkp";

    private ReferenceStore() {
    }

    /**
     * The store URL the reference's flags name.
     *
     * @param container the bucket or container; for Local a folder under {@code home} ({@value #DEFAULT_LOCAL_CONTAINER}
     *                  when empty; an absolute one is under {@code home} too, as the reference joins them)
     * @param prefix    the folder in the bucket ({@code --store-prefix}); may be empty
     * @param endpoint  {@code --store-endpoint-override}: becomes {@code endpoint=} for S3, ABS and GCS; the
     *                  reference ignores it for the others, and so does this
     * @param home      the user's home folder ({@code HOME}), needed for Local only
     * @throws IllegalArgumentException when a bucket is needed and missing, or Local has no home folder
     */
    static String url(Provider provider, Optional<String> container, String prefix, Optional<String> endpoint,
                      Optional<String> home) {
        String folder = clean(prefix);
        if (provider == Provider.Local) {
            String dir = home.filter(h -> h.startsWith("/"))
                    .orElseThrow(() -> new IllegalArgumentException("Local keeps backups under $HOME/<container>, and HOME is "
                            + "not an absolute folder (" + home.orElse("not set") + ")"));
            String bucket = clean(container.filter(c -> !c.isBlank()).orElse(DEFAULT_LOCAL_CONTAINER));
            Path path = Path.of(dir).resolve(bucket).resolve(folder).normalize();
            return "file://" + rawPath(path.toString());
        }
        String bucket = container.filter(c -> !c.isBlank()).orElseThrow(() -> new IllegalArgumentException(
                provider + " needs the bucket or container: set STORAGE_CONTAINER (or --store-container)"));
        StringBuilder url = new StringBuilder(provider.scheme).append("://").append(bucket);
        if (!folder.isEmpty()) {
            url.append('/').append(rawPath(folder));
        }
        if (provider.takesEndpoint() && endpoint.filter(e -> !e.isBlank()).isPresent()) {
            url.append("?endpoint=").append(URLEncoder.encode(endpoint.get().strip(), StandardCharsets.UTF_8));
        }
        return url.toString();
    }

    /** Without leading, trailing and repeated slashes, as Go's path.Join leaves a prefix. */
    private static String clean(String path) {
        return Arrays.stream(path.strip().split("/")).filter(s -> !s.isEmpty() && !s.equals(".")).collect(Collectors.joining("/"));
    }

    /** The path with the characters a URL cannot hold percent-encoded. */
    private static String rawPath(String path) {
        try {
            return new URI(null, null, path, null).getRawPath();
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("cannot be part of a URL: " + e.getMessage());
        }
    }
}
