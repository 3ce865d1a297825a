package io.etcdbackup.plugins.swift;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.etcdbackup.stores.multipart.PartDigests;
import io.etcdbackup.stores.ObjectAlreadyExistsException;
import io.etcdbackup.stores.ObjectWriter;
import io.etcdbackup.stores.WriteMode;
import io.etcdbackup.stores.multipart.MultipartObjectWriter;
import io.etcdbackup.stores.multipart.MultipartTarget;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.NavigableSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.ExecutorService;

/**
 * The Swift calls behind a {@link MultipartObjectWriter}: an object that fits in one segment is one
 * PUT, a larger one uploads segments under a per-upload prefix (each retried a few times on
 * transient failures by the writer) and publishes an SLO manifest. {@link WriteMode#IF_ABSENT}
 * sends {@code If-None-Match: *} with the publishing PUT, so the check happens at publish time.
 * Whenever an upload does not publish, its segments are deleted.
 */
final class SwiftObjectWriter implements MultipartTarget<SwiftObjectWriter.Segment> {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int SEGMENT_ATTEMPTS = 3;

    record Segment(String name, String etag, long size) {
    }

    private final SwiftObjectStore store;
    private final String key;
    private final WriteMode mode;
    private final String segmentPrefix;
    /** Numbers of the segments ever started, so an abort deletes each one, failed or not. */
    private final NavigableSet<Integer> started = new ConcurrentSkipListSet<>();

    private SwiftObjectWriter(SwiftObjectStore store, String key, WriteMode mode) {
        this.store = store;
        this.key = key;
        this.mode = mode;
        this.segmentPrefix = store.segmentPrefix(key, UUID.randomUUID().toString().replace("-", ""));
    }

    static ObjectWriter open(SwiftObjectStore store, String key, WriteMode mode, SwiftUploadSettings settings, ExecutorService uploads) {
        return new MultipartObjectWriter<>(key, store.location(), new SwiftObjectWriter(store, key, mode),
                settings.segmentSize(), settings.segmentsInFlight(), settings.maxSegments(), SEGMENT_ATTEMPTS, uploads);
    }

    @Override
    public void putWhole(byte[] data, int length) throws IOException {
        String name = store.objectName(key);
        List<String> replaced = mode == WriteMode.OVERWRITE ? store.currentSegments(name) : List.of();
        HttpRequest.Builder put = store.request(name, "").header("ETag", md5(data, length))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(data, 0, length));
        send(put, name);
        store.deleteNames(replaced);
    }

    @Override
    public void begin() {
        // Segments are plain objects: nothing to start.
    }

    @Override
    public Segment uploadPart(int number, byte[] data, int length) throws IOException {
        started.add(number);
        String name = segmentName(number);
        String etag = md5(data, length);
        HttpRequest.Builder put = store.request(name, "").header("ETag", etag).PUT(HttpRequest.BodyPublishers.ofByteArray(data, 0, length));
        store.expect(store.send(put, HttpResponse.BodyHandlers.ofString(), name), name, 201);
        return new Segment(name, etag, length);
    }

    @Override
    public void complete(List<Segment> segments) throws IOException {
        ArrayNode manifest = JSON.createArrayNode();
        for (Segment segment : segments) {
            manifest.addObject().put("path", store.manifestPath(segment.name())).put("etag", segment.etag()).put("size_bytes", segment.size());
        }
        String name = store.objectName(key);
        List<String> replaced = mode == WriteMode.OVERWRITE ? store.currentSegments(name) : List.of();
        HttpRequest.Builder put = store.request(name, "multipart-manifest=put").header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(manifest.toString()));
        send(put, name);
        store.deleteNames(replaced);
    }

    /** Deletes every started segment, failed ones too: a failed PUT may still have been stored. Best effort. */
    @Override
    public void abort() {
        List<String> names = new ArrayList<>();
        for (int number : started) {
            names.add(segmentName(number));
        }
        started.clear();
        store.deleteNames(names);
    }

    private void send(HttpRequest.Builder put, String name) throws IOException {
        if (mode == WriteMode.IF_ABSENT) {
            put.header("If-None-Match", "*");
        }
        HttpResponse<String> response = store.send(put, HttpResponse.BodyHandlers.ofString(), key);
        if (response.statusCode() == 412 && mode == WriteMode.IF_ABSENT) {
            throw new ObjectAlreadyExistsException(store.location(), key);
        }
        store.expect(response, key, 201);
    }

    private String segmentName(int number) {
        return segmentPrefix + String.format("%08d", number - 1);
    }

    private static String md5(byte[] data, int length) {
        return HexFormat.of().formatHex(PartDigests.md5(data, length));
    }
}
