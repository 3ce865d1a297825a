package io.etcdbackup.plugins.s3;

import io.etcdbackup.stores.StoreOptions;
import io.etcdbackup.stores.StoreUrl;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

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
 * @param objectLock        S3 Object Lock retention set on every object written, if asked for
 */
record S3Settings(String bucket, String prefix, Optional<URI> endpoint, Optional<String> region, boolean pathStyle,
                  Optional<String> sse, Optional<String> sseKmsKeyId, int partSize, int uploadParallelism,
                  boolean checksumsWhenRequired, boolean chunkedEncoding, Optional<ObjectLock> objectLock) {

    /**
     * Object Lock retention for new objects ({@code object-lock-seconds}, {@code object-lock-mode}):
     * each object is locked until its upload time plus {@code retention}. The bucket must have
     * Object Lock enabled (which also turns on versioning).
     *
     * @param retention how long each object stays locked after its upload
     * @param mode      {@code GOVERNANCE} (users with s3:BypassGovernanceRetention may still delete)
     *                  or {@code COMPLIANCE} (nobody can, not even the account's root)
     */
    record ObjectLock(Duration retention, String mode) {
    }

    static final int MIN_PART_SIZE = 5 * 1024 * 1024;
    /** A part is one Java array, so the largest part an int holds, in whole MiB. */
    static final int MAX_PART_SIZE = 2047 * 1024 * 1024;
    static final int DEFAULT_PART_SIZE = 16 * 1024 * 1024;
    static final int DEFAULT_PARALLELISM = 4;
    /** {@code part-size-mib} counted whole MiB; {@code part-size} takes a size ({@code 16MiB}). */
    static final StoreOptions.Grammar GRAMMAR = StoreOptions.Grammar.of("endpoint", "region", "path-style", "sse", "sse-kms-key-id",
            "part-size", "upload-parallelism", "checksums", "chunked-encoding", "object-lock-seconds", "object-lock-mode")
            .alias(new StoreOptions.Alias("part-size-mib", "part-size", 1024 * 1024));

    static S3Settings from(StoreUrl url) {
        StoreOptions o = GRAMMAR.read(url);
        Optional<URI> endpoint = o.text("endpoint").map(e -> {
            URI uri = URI.create(e);
            if (uri.getScheme() == null || uri.getHost() == null) {
                throw new IllegalArgumentException("store URL option endpoint='" + e + "' must be an absolute URL such as https://minio.example:9000");
            }
            return uri;
        });
        Optional<String> sse = o.text("sse").map(s -> o.oneOf("sse", s, List.of("AES256", "aws:kms")));
        Optional<String> kmsKey = o.text("sse-kms-key-id");
        if (kmsKey.isPresent() && !sse.equals(Optional.of("aws:kms"))) {
            throw new IllegalArgumentException("store URL option sse-kms-key-id needs sse=aws:kms");
        }
        int partSize = o.intBytes("part-size", DEFAULT_PART_SIZE, MIN_PART_SIZE, MAX_PART_SIZE);
        int parallelism = o.whole("upload-parallelism", DEFAULT_PARALLELISM, 1, 64);
        String checksums = o.oneOf("checksums", "when-supported", List.of("when-supported", "when-required"));
        Optional<ObjectLock> lock = o.text("object-lock-seconds").map(seconds -> new ObjectLock(
                Duration.ofSeconds(o.whole("object-lock-seconds", 0, 1, Integer.MAX_VALUE)),
                o.oneOf("object-lock-mode", "GOVERNANCE", List.of("GOVERNANCE", "COMPLIANCE"))));
        if (lock.isEmpty() && o.text("object-lock-mode").isPresent()) {
            throw new IllegalArgumentException("store URL option object-lock-mode needs object-lock-seconds (how long to lock each object)");
        }
        return new S3Settings(url.container(), url.prefix(), endpoint, o.text("region"), o.bool("path-style", false),
                sse, kmsKey, partSize, parallelism, checksums.equals("when-required"), o.bool("chunked-encoding", true), lock);
    }

    /** The same settings with checksums sent and validated only where the API requires them (the reference's secret files ask for it). */
    S3Settings withChecksumsWhenRequired() {
        return new S3Settings(bucket, prefix, endpoint, region, pathStyle, sse, sseKmsKeyId, partSize, uploadParallelism, true,
                chunkedEncoding, objectLock);
    }

    /** The same settings with another part size (tests use the 5 MiB minimum). */
    S3Settings withPartSize(int bytes) {
        if (bytes < MIN_PART_SIZE) {
            throw new IllegalArgumentException("S3 part size " + bytes + " is below the 5 MiB minimum");
        }
        return new S3Settings(bucket, prefix, endpoint, region, pathStyle, sse, sseKmsKeyId, bytes, uploadParallelism,
                checksumsWhenRequired, chunkedEncoding, objectLock);
    }
}
