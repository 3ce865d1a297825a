package io.etcdbackup.plugins.swift;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.etcdbackup.stores.ByteRange;
import io.etcdbackup.stores.NoSuchObjectException;
import io.etcdbackup.stores.ObjectInfo;
import io.etcdbackup.stores.ObjectIterator;
import io.etcdbackup.stores.ObjectKeys;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.ObjectWriter;
import io.etcdbackup.stores.PagedListing;
import io.etcdbackup.stores.TransientStoreException;
import io.etcdbackup.stores.WriteMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;

/**
 * An {@link ObjectStore} in one Swift container under a key prefix ({@code swift://CONTAINER/PREFIX}).
 *
 * <p>Small objects are one PUT. Larger ones become Static Large Objects: segments are uploaded in
 * parallel under {@value #SEGMENTS}{@code <prefix>/<key>/<upload id>/<n>} in the same container, then
 * the manifest is PUT ({@code ?multipart-manifest=put}), which publishes the object atomically. The
 * segment area sits outside every store prefix and is filtered from listings of a store at the
 * container root, so listings never show segments. Deleting uses {@code ?multipart-manifest=delete},
 * which removes the segments with the manifest; segments of an upload that fails or is aborted, and
 * of a large object replaced by an overwrite, are deleted by the store.
 *
 * <p>All calls use the JDK's HttpClient with the Keystone token: openstack4j 3.12 has neither
 * {@code If-None-Match} on PUT nor the SLO manifest calls. Throttling (429), 408 and 5xx answers and
 * connection failures surface as {@link TransientStoreException}.
 */
final class SwiftObjectStore implements ObjectStore {

    private static final String OBJECT_META = "x-object-meta-";

    /** First segment of the reserved area for SLO segments. */
    static final String SEGMENTS = ".segments/";
    static final int LIST_PAGE = 1000;

    private static final Logger LOG = LoggerFactory.getLogger(SwiftObjectStore.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String container;
    private final String prefix;
    private final KeystoneSession session;
    private final HttpClient http;
    private final SwiftUploadSettings upload;
    private final ExecutorService uploads;

    SwiftObjectStore(String container, String prefix, KeystoneSession session, HttpClient http,
                     SwiftUploadSettings upload, ExecutorService uploads) {
        this.container = container;
        this.prefix = ObjectKeys.folder(prefix);
        this.session = session;
        this.http = http;
        this.upload = upload;
        this.uploads = uploads;
    }

    @Override
    public ObjectWriter create(String key, WriteMode mode) {
        return SwiftObjectWriter.open(this, checked(key), mode, upload, uploads);
    }

    @Override
    public InputStream open(String key) throws IOException {
        String name = objectName(checked(key));
        HttpResponse<InputStream> response = send(request(name, "").GET(), HttpResponse.BodyHandlers.ofInputStream(), key);
        if (response.statusCode() == 404) {
            response.body().close();
            throw new NoSuchObjectException(location(), key);
        }
        return expect(response, key, 200);
    }

    @Override
    public InputStream open(String key, long offset, long length) throws IOException {
        ByteRange range = ByteRange.of(key, offset, length);
        String name = objectName(checked(key));
        if (range.isEmpty()) {
            stat(key);
            return InputStream.nullInputStream();
        }
        HttpResponse<InputStream> response = send(request(name, "").header("Range", range.httpHeader()).GET(),
                HttpResponse.BodyHandlers.ofInputStream(), key);
        switch (response.statusCode()) {
            case 404 -> {
                response.body().close();
                throw new NoSuchObjectException(location(), key);
            }
            case 416 -> { // the offset is at or past the end
                response.body().close();
                return InputStream.nullInputStream();
            }
            default -> {
                return expect(response, key, 200, 206);
            }
        }
    }

    @Override
    public ObjectInfo stat(String key) throws IOException {
        HttpResponse<Void> response = send(request(objectName(checked(key)), "").method("HEAD", HttpRequest.BodyPublishers.noBody()),
                HttpResponse.BodyHandlers.discarding(), key);
        if (response.statusCode() == 404) {
            throw new NoSuchObjectException(location(), key);
        }
        expect(response, key, 200);
        long size = response.headers().firstValueAsLong("Content-Length").orElse(0);
        Instant modified = response.headers().firstValue("X-Timestamp")
                .map(t -> Instant.ofEpochMilli((long) (Double.parseDouble(t) * 1000))).orElse(Instant.EPOCH);
        return new ObjectInfo(key, size, modified);
    }

    @Override
    public ObjectIterator list(String listPrefix) {
        return PagedListing.byToken(marker -> page(prefix + listPrefix, marker == null ? "" : marker));
    }

    /** The object's {@code X-Object-Meta-*} headers, without that prefix. */
    @Override
    public Map<String, String> labels(String key) throws IOException {
        HttpResponse<Void> response = send(request(objectName(checked(key)), "").method("HEAD", HttpRequest.BodyPublishers.noBody()),
                HttpResponse.BodyHandlers.discarding(), key);
        if (response.statusCode() == 404) {
            throw new NoSuchObjectException(location(), key);
        }
        expect(response, key, 200);
        Map<String, String> labels = new TreeMap<>();
        response.headers().map().forEach((name, values) -> {
            String lower = name.toLowerCase(Locale.ROOT);
            if (lower.startsWith(OBJECT_META) && !values.isEmpty()) {
                labels.put(lower.substring(OBJECT_META.length()), values.get(0));
            }
        });
        return labels;
    }

    @Override
    public void delete(String key) throws IOException {
        String name = objectName(checked(key));
        HttpResponse<Void> head = send(request(name, "").method("HEAD", HttpRequest.BodyPublishers.noBody()),
                HttpResponse.BodyHandlers.discarding(), key);
        if (head.statusCode() == 404) {
            return;
        }
        expect(head, key, 200);
        // An SLO is deleted with its segments (multipart-manifest=delete); Swift refuses that
        // query on a plain object ("Not an SLO manifest"), which is deleted as itself.
        boolean slo = head.headers().firstValue("X-Static-Large-Object").map(Boolean::parseBoolean).orElse(false);
        HttpResponse<String> response = send(request(name, slo ? "multipart-manifest=delete" : "").DELETE()
                .header("Accept", "application/json"), HttpResponse.BodyHandlers.ofString(), key);
        if (response.statusCode() == 404) {
            return;
        }
        expect(response, key, 200, 204);
        if (slo && response.body().startsWith("{")) {
            JsonNode result = JSON.readTree(response.body());
            if (!result.path("Errors").isEmpty()) {
                throw new IOException("deleting large object '" + key + "' in " + location() + " left segments: " + result.path("Errors"));
            }
        }
    }

    @Override
    public String location() {
        return "swift://" + container + (prefix.isEmpty() ? "" : "/" + prefix.substring(0, prefix.length() - 1));
    }

    @Override
    public void close() {
        uploads.shutdown();
    }

    // ------------------------------------------------------------------ for the writer

    /** The object name in the container for a store key. */
    String objectName(String key) {
        return prefix + key;
    }

    /** A segment's path as an SLO manifest names it: {@code /container/object}. */
    String manifestPath(String segmentName) {
        return "/" + container + "/" + segmentName;
    }

    /** The segment name prefix of one upload of {@code key}. */
    String segmentPrefix(String key, String uploadId) {
        return SEGMENTS + prefix + key + "/" + uploadId + "/";
    }

    HttpRequest.Builder request(String objectName, String query) throws IOException {
        KeystoneSession.Token token = session.token();
        String url = token.storageUrl() + "/" + encode(container) + "/" + encodePath(objectName) + (query.isEmpty() ? "" : "?" + query);
        return HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofMinutes(5)).header("X-Auth-Token", token.id());
    }

    /** Sends a request, logging in again once when the token was rejected. */
    <T> HttpResponse<T> send(HttpRequest.Builder builder, HttpResponse.BodyHandler<T> handler, String what) throws IOException {
        for (int attempt = 0; ; attempt++) {
            HttpRequest request = builder.build();
            HttpResponse<T> response;
            try {
                response = http.send(request, handler);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted during " + request.method() + " of '" + what + "' in " + location(), e);
            } catch (IOException e) {
                throw new TransientStoreException(request.method() + " of '" + what + "' in " + location() + " failed: " + e, e);
            }
            if (response.statusCode() != 401 || attempt > 0) {
                return response;
            }
            discard(response);
            session.invalidate(request.headers().firstValue("X-Auth-Token").orElse(""));
            builder.setHeader("X-Auth-Token", session.token().id());
        }
    }

    /** Returns the body when the status is one of {@code expected}; otherwise throws naming the call. */
    <T> T expect(HttpResponse<T> response, String what, int... expected) throws IOException {
        for (int status : expected) {
            if (response.statusCode() == status) {
                return response.body();
            }
        }
        String detail = bodyText(response);
        String message = response.request().method() + " of '" + what + "' in " + location() + " failed: HTTP "
                + response.statusCode() + (detail.isEmpty() ? "" : " " + detail);
        int status = response.statusCode();
        throw status == 408 || status == 429 || status >= 500 ? new TransientStoreException(message) : new IOException(message);
    }

    /** Deletes objects by name (segments), best effort; returns how many could not be deleted. */
    int deleteNames(List<String> names) {
        int failed = 0;
        Exception lastFailure = null;
        for (String name : names) {
            try {
                HttpResponse<Void> response = send(request(name, "").DELETE(), HttpResponse.BodyHandlers.discarding(), name);
                if (response.statusCode() != 204 && response.statusCode() != 404 && response.statusCode() != 200) {
                    failed++;
                }
            } catch (IOException | RuntimeException e) {
                failed++;
                lastFailure = e;
            }
        }
        if (failed > 0) {
            // The last exception, if any; a refused DELETE has only its status.
            LOG.warn("segments left behind location={} failed={} of={}", location(), failed, names.size(), lastFailure);
        }
        return failed;
    }

    /** The segment names of the SLO currently under {@code name}, or an empty list if it is absent or not an SLO. */
    List<String> currentSegments(String name) throws IOException {
        HttpResponse<String> response = send(request(name, "multipart-manifest=get&format=raw").GET(),
                HttpResponse.BodyHandlers.ofString(), name);
        if (response.statusCode() == 404 || response.headers().firstValue("X-Static-Large-Object").isEmpty()) {
            return List.of();
        }
        String body = expect(response, name, 200);
        List<String> names = new ArrayList<>();
        String containerPath = "/" + container + "/";
        for (JsonNode segment : JSON.readTree(body)) {
            String path = segment.path("path").asText(segment.path("name").asText());
            String decoded = java.net.URLDecoder.decode(path.replace("+", "%2B"), StandardCharsets.UTF_8);
            if (decoded.startsWith(containerPath) && decoded.substring(containerPath.length()).startsWith(SEGMENTS)) {
                names.add(decoded.substring(containerPath.length()));
            }
        }
        return names;
    }

    private String checked(String key) {
        ObjectKeys.requireValid(key);
        if (prefix.isEmpty() && key.startsWith(SEGMENTS)) {
            throw new IllegalArgumentException("object key '" + key + "' is in the Swift store's reserved segment area " + SEGMENTS);
        }
        return key;
    }

    private static void discard(HttpResponse<?> response) {
        if (response.body() instanceof InputStream in) {
            try {
                in.close();
            } catch (IOException ignored) {
                // nothing more to read from a refused call
            }
        }
    }

    private static String bodyText(HttpResponse<?> response) {
        Object body = response.body();
        String text = "";
        try {
            if (body instanceof String s) {
                text = s;
            } else if (body instanceof InputStream in) {
                try (in) {
                    text = new String(in.readNBytes(1000), StandardCharsets.UTF_8);
                }
            }
        } catch (IOException ignored) {
            // the status already says what went wrong
        }
        return KeystoneSession.abbreviate(text);
    }

    /** Percent-encodes a path, keeping the slashes. */
    static String encodePath(String path) {
        StringBuilder out = new StringBuilder();
        for (String segment : path.split("/", -1)) {
            if (out.length() > 0 || path.startsWith("/")) {
                out.append('/');
            }
            out.append(encode(segment));
        }
        return out.toString();
    }

    /** Percent-encodes everything but RFC 3986 unreserved characters. */
    static String encode(String value) {
        StringBuilder out = new StringBuilder();
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~') {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return out.toString();
    }

    /** One container listing page (JSON, marker + limit) after {@code marker}, in Swift's UTF-8 byte order. */
    private PagedListing.Page page(String fullPrefix, String marker) throws IOException {
        KeystoneSession.Token token = session.token();
        String url = token.storageUrl() + "/" + encode(container) + "?format=json&limit=" + LIST_PAGE
                + "&prefix=" + encode(fullPrefix) + (marker.isEmpty() ? "" : "&marker=" + encode(marker));
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofMinutes(2))
                .header("X-Auth-Token", token.id()).GET();
        HttpResponse<String> response = send(builder, HttpResponse.BodyHandlers.ofString(), "listing of '" + fullPrefix + "'");
        String body = expect(response, "listing of '" + fullPrefix + "'", 200, 204);
        JsonNode entries = body.isEmpty() ? JSON.createArrayNode() : JSON.readTree(body);
        List<ObjectInfo> objects = new ArrayList<>();
        String last = marker;
        for (JsonNode entry : entries) {
            String name = entry.path("name").asText();
            last = name;
            if (prefix.isEmpty() && name.startsWith(SEGMENTS)) {
                continue; // the segment area of a store at the container root
            }
            Instant modified = LocalDateTime.parse(entry.path("last_modified").asText(), DateTimeFormatter.ISO_LOCAL_DATE_TIME)
                    .toInstant(ZoneOffset.UTC);
            objects.add(new ObjectInfo(name.substring(prefix.length()), entry.path("bytes").asLong(), modified));
        }
        return new PagedListing.Page(objects, entries.size() < LIST_PAGE ? null : last);
    }
}
