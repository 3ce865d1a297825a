package io.etcdbackup.plugins.swift;

/**
 * How large objects are uploaded. Memory per writer is bounded by
 * {@code (segmentsInFlight + 1) * segmentSize}.
 *
 * @param segmentSize      bytes per SLO segment; an object up to this size is one plain PUT
 * @param segmentsInFlight segments of one writer uploading at the same time
 * @param maxSegments      the most segments one manifest may list (Swift's {@code max_manifest_segments})
 */
record SwiftUploadSettings(int segmentSize, int segmentsInFlight, int maxSegments) {

    static final int DEFAULT_SEGMENT_SIZE = 16 * 1024 * 1024;
    static final int DEFAULT_IN_FLIGHT = 4;
    static final int DEFAULT_MAX_SEGMENTS = 1000;

    SwiftUploadSettings {
        if (segmentSize < 1) {
            throw new IllegalArgumentException("segment-size must be at least 1 byte, got " + segmentSize);
        }
        if (segmentsInFlight < 1) {
            throw new IllegalArgumentException("parallel-uploads must be at least 1, got " + segmentsInFlight);
        }
        if (maxSegments < 2) {
            throw new IllegalArgumentException("max-segments must be at least 2, got " + maxSegments);
        }
    }
}
