package io.etcdbackup.plugins.oss;

/**
 * How large objects are uploaded. Memory per writer is bounded by {@code (partsInFlight + 1) * partSize}.
 *
 * @param partSize      bytes per multipart part (OSS: at least 100 KiB except the last); an object
 *                      up to this size is one PutObject
 * @param partsInFlight parts of one writer uploading at the same time
 */
record OssUploadSettings(int partSize, int partsInFlight) {

    static final int DEFAULT_PART_SIZE = 16 * 1024 * 1024;
    static final int DEFAULT_IN_FLIGHT = 4;
    static final int MIN_PART_SIZE = 100 * 1024;
    /** OSS allows at most this many parts per upload. */
    static final int MAX_PARTS = 10_000;

    OssUploadSettings {
        if (partSize < MIN_PART_SIZE) {
            throw new IllegalArgumentException("part-size must be at least " + MIN_PART_SIZE + " bytes (the OSS minimum), got " + partSize);
        }
        if (partsInFlight < 1) {
            throw new IllegalArgumentException("parallel-uploads must be at least 1, got " + partsInFlight);
        }
    }
}
