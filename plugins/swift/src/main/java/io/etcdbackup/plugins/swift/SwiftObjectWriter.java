package io.etcdbackup.plugins.swift;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.etcdbackup.stores.ObjectAlreadyExistsException;
import io.etcdbackup.stores.ObjectWriter;
import io.etcdbackup.stores.TransientStoreException;
import io.etcdbackup.stores.WriteMode;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;

/**
 * Streams one object into Swift: buffers up to one segment; an object that fits is one PUT, a
 * larger one uploads full segments in parallel (at most {@code segmentsInFlight} at once, each
 * retried a few times on transient failures) and publishes an SLO manifest on {@link #close()}.
 * {@link WriteMode#IF_ABSENT} sends {@code If-None-Match: *} with the publishing PUT, so the check
 * happens at publish time. Whenever an upload does not publish, its segments are deleted.
 */
final class SwiftObjectWriter extends ObjectWriter {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int SEGMENT_ATTEMPTS = 3;

    private record Segment(String name, String etag, long size) {
    }

    private final SwiftObjectStore store;
    private final String key;
    private final WriteMode mode;
    private final SwiftUploadSettings settings;
    private final ExecutorService uploads;
    private final Semaphore inFlight;
    private final String segmentPrefix;
    private final List<Future<Segment>> segments = new ArrayList<>();
    private byte[] buffer;
    private int filled;
    private boolean finished;

    SwiftObjectWriter(SwiftObjectStore store, String key, WriteMode mode, SwiftUploadSettings settings, ExecutorService uploads) {
        this.store = store;
        this.key = key;
        this.mode = mode;
        this.settings = settings;
        this.uploads = uploads;
        this.inFlight = new Semaphore(settings.segmentsInFlight());
        this.segmentPrefix = store.segmentPrefix(key, UUID.randomUUID().toString().replace("-", ""));
        this.buffer = new byte[Math.min(settings.segmentSize(), 64 * 1024)];
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        ensureOpen();
        while (len > 0) {
            if (filled == settings.segmentSize()) {
                startSegment(); // only once more bytes follow: an object of exactly one segment stays one PUT
            }
            if (filled == buffer.length) {
                byte[] bigger = new byte[(int) Math.min(settings.segmentSize(), 2L * buffer.length)];
                System.arraycopy(buffer, 0, bigger, 0, filled);
                buffer = bigger;
            }
            int n = Math.min(len, buffer.length - filled);
            System.arraycopy(b, off, buffer, filled, n);
            filled += n;
            off += n;
            len -= n;
        }
    }

    @Override
    public void close() throws IOException {
        if (finished) {
            return;
        }
        finished = true;
        try {
            if (segments.isEmpty()) {
                publishSmall();
            } else {
                if (filled > 0) {
                    startSegment();
                }
                publishManifest(awaitSegments());
            }
        } catch (IOException | RuntimeException e) {
            discardSegments();
            throw e;
        } finally {
            buffer = null;
        }
    }

    @Override
    public void abort() {
        if (buffer == null && finished) {
            return;
        }
        finished = true;
        buffer = null;
        discardSegments();
    }

    private void publishSmall() throws IOException {
        String name = store.objectName(key);
        List<String> replaced = mode == WriteMode.OVERWRITE ? store.currentSegments(name) : List.of();
        HttpRequest.Builder put = store.request(name, "").header("ETag", md5(buffer, filled))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(buffer, 0, filled));
        send(put, name);
        store.deleteNames(replaced);
    }

    private void publishManifest(List<Segment> uploaded) throws IOException {
        ArrayNode manifest = JSON.createArrayNode();
        for (Segment segment : uploaded) {
            manifest.addObject().put("path", store.manifestPath(segment.name())).put("etag", segment.etag()).put("size_bytes", segment.size());
        }
        String name = store.objectName(key);
        List<String> replaced = mode == WriteMode.OVERWRITE ? store.currentSegments(name) : List.of();
        HttpRequest.Builder put = store.request(name, "multipart-manifest=put").header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(manifest.toString()));
        send(put, name);
        store.deleteNames(replaced);
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

    private void startSegment() throws IOException {
        if (segments.size() + 1 >= settings.maxSegments()) {
            throw new IOException("object '" + key + "' in " + store.location() + " needs more than " + settings.maxSegments()
                    + " segments of " + settings.segmentSize() + " bytes; raise segment_size in the store URL");
        }
        try {
            inFlight.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting to upload a segment of '" + key + "'");
        }
        byte[] data = buffer;
        int size = filled;
        String name = segmentPrefix + String.format("%08d", segments.size());
        try {
            segments.add(uploads.submit(() -> {
                try {
                    return uploadSegment(name, data, size);
                } finally {
                    inFlight.release();
                }
            }));
        } catch (RuntimeException e) {
            inFlight.release();
            throw new IOException("cannot start uploading a segment of '" + key + "' in " + store.location() + ": " + e, e);
        }
        buffer = new byte[settings.segmentSize()];
        filled = 0;
        failEarly();
    }

    private Segment uploadSegment(String name, byte[] data, int size) throws IOException, InterruptedException {
        String etag = md5(data, size);
        for (int attempt = 1; ; attempt++) {
            try {
                HttpRequest.Builder put = store.request(name, "").header("ETag", etag)
                        .PUT(HttpRequest.BodyPublishers.ofByteArray(data, 0, size));
                store.expect(store.send(put, HttpResponse.BodyHandlers.ofString(), name), name, 201);
                return new Segment(name, etag, size);
            } catch (TransientStoreException e) {
                if (attempt >= SEGMENT_ATTEMPTS) {
                    throw e;
                }
                Thread.sleep(200L * attempt);
            }
        }
    }

    /** Surfaces a failed segment upload at the next write rather than at close. */
    private void failEarly() throws IOException {
        for (Future<Segment> future : segments) {
            if (future.isDone()) {
                get(future);
            }
        }
    }

    private List<Segment> awaitSegments() throws IOException {
        List<Segment> done = new ArrayList<>();
        for (Future<Segment> future : segments) {
            done.add(get(future));
        }
        return done;
    }

    private Segment get(Future<Segment> future) throws IOException {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while uploading segments of '" + key + "'");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException("uploading a segment of '" + key + "' in " + store.location() + " failed: " + e.getCause(), e.getCause());
        }
    }

    /** Waits for every started segment, then deletes all of them (best effort). */
    private void discardSegments() {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < segments.size(); i++) {
            try {
                segments.get(i).get();
            } catch (ExecutionException | RuntimeException e) {
                // a failed segment may still have been stored: delete its name anyway
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            names.add(segmentPrefix + String.format("%08d", i));
        }
        segments.clear();
        store.deleteNames(names);
    }

    private void ensureOpen() throws IOException {
        if (finished) {
            throw new IOException("writer for '" + key + "' in " + store.location() + " is already closed or aborted");
        }
    }

    private static String md5(byte[] data, int length) {
        try {
            MessageDigest md5 = MessageDigest.getInstance("MD5");
            md5.update(data, 0, length);
            return HexFormat.of().formatHex(md5.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always has MD5", e);
        }
    }
}
