package io.etcdbackup.plugins.s3;

import io.etcdbackup.stores.StoreUrl;

import java.net.URI;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The options of an {@code s3://BUCKET/PREFIX?...} URL, validated.
 *
 * @param bucket            the bucket
 * @param prefix            key prefix inside the bucket, without slashes at either end ("" for the whole bucket)
 * @param endpoint          a non-AWS endpoint (MinIO, Ceph RGW, ...), if given
 * @param region            the signing region, if given
 * @param pathStyle         {@code bucket} in the path instead of the host name
 * @param sse               server-side encryption: {@code AES256} or {@code aws:kms}, if given
 * @param sseKmsKeyId       the KMS key for {@code aws:kms}, if given
 * @param partSize          bytes per multipart part (at least 5 MiB)
 * @param uploadParallelism parts uploaded at once per object
 * @param checksumsWhenRequired send and validate checksums only where the API requires them (for
 *                          gateways that reject the SDK's default CRC32 trailers)
 * @param chunkedEncoding   aws-chunked payload signing (turn off for OpenStack Swift s3api)
 */
record S3Settings(String bucket, String prefix, Optional<URI> endpoint, Optional<String> region, boolean pathStyle,
                  Optional<String> sse, Optional<String> sseKmsKeyId, int partSize, int uploadParallelism,
                  boolean checksumsWhenRequired, boolean chunkedEncoding) {

    static final int MIN_PART_SIZE = 5 * 1024 * 1024;
    static final int DEFAULT_PART_SIZE_MIB = 16;
    static final int DEFAULT_PARALLELISM = 4;
    static final Set<String> OPTIONS = Set.of("endpoint", "region", "path-style", "sse", "sse-kms-key-id",
            "part-size-mib", "upload-parallelism", "checksums", "chunked-encoding");

    static S3Settings from(StoreUrl url) {
        url.requireOnlyOptions(OPTIONS);
        Map<String, String> o = url.options();
        Optional<URI> endpoint = Optional.ofNullable(o.get("endpoint")).map(e -> {
            URI uri = URI.create(e);
            if (uri.getScheme() == null || uri.getHost() == null) {
                throw new IllegalArgumentException("store URL option endpoint='" + e + "' must be an absolute URL such as https://minio.example:9000");
            }
            return uri;
        });
        Optional<String> sse = Optional.ofNullable(o.get("sse"));
        sse.ifPresent(s -> {
            if (!s.equals("AES256") && !s.equals("aws:kms")) {
                throw new IllegalArgumentException("store URL option sse='" + s + "' must be AES256 or aws:kms");
            }
        });
        Optional<String> kmsKey = Optional.ofNullable(o.get("sse-kms-key-id"));
        if (kmsKey.isPresent() && !sse.equals(Optional.of("aws:kms"))) {
            throw new IllegalArgumentException("store URL option sse-kms-key-id needs sse=aws:kms");
        }
        int partMib = intOption(o, "part-size-mib", DEFAULT_PART_SIZE_MIB, 5, 2048);
        int parallelism = intOption(o, "upload-parallelism", DEFAULT_PARALLELISM, 1, 64);
        String checksums = o.getOrDefault("checksums", "when-supported").toLowerCase(Locale.ROOT);
        if (!checksums.equals("when-supported") && !checksums.equals("when-required")) {
            throw new IllegalArgumentException("store URL option checksums='" + checksums + "' must be when-supported or when-required");
        }
        return new S3Settings(url.container(), url.prefix(), endpoint, Optional.ofNullable(o.get("region")),
                booleanOption(o, "path-style", false), sse, kmsKey, partMib * 1024 * 1024, parallelism,
                checksums.equals("when-required"), booleanOption(o, "chunked-encoding", true));
    }

    /** The same settings with another part size (tests use the 5 MiB minimum). */
    S3Settings withPartSize(int bytes) {
        if (bytes < MIN_PART_SIZE) {
            throw new IllegalArgumentException("S3 part size " + bytes + " is below the 5 MiB minimum");
        }
        return new S3Settings(bucket, prefix, endpoint, region, pathStyle, sse, sseKmsKeyId, bytes, uploadParallelism,
                checksumsWhenRequired, chunkedEncoding);
    }

    static boolean booleanOption(Map<String, String> o, String name, boolean fallback) {
        String v = o.get(name);
        if (v == null) {
            return fallback;
        }
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("store URL option " + name + "='" + v + "' must be true or false");
        };
    }

    private static int intOption(Map<String, String> o, String name, int fallback, int min, int max) {
        String v = o.get(name);
        if (v == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(v);
            if (n < min || n > max) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("store URL option " + name + "='" + v + "' must be a whole number from " + min + " to " + max);
        }
    }
}
