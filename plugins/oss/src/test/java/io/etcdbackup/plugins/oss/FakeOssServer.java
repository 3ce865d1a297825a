package io.etcdbackup.plugins.oss;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A protocol-level fake of Alibaba Cloud OSS, written from OSS's published API reference (not from
 * the SDK): path-style requests ({@code /bucket/key}) on loopback, V1 signatures checked
 * ({@code Authorization: OSS AccessKeyId:Signature}, HMAC-SHA1 over verb, Content-MD5,
 * Content-Type, Date, canonicalized {@code x-oss-} headers and resource), PutObject (with
 * {@code x-oss-forbid-overwrite} and Content-MD5), GetObject (Range, with the legacy and the
 * {@code x-oss-range-behavior: standard} answers), HeadObject, DeleteObject, multipart
 * (Initiate, UploadPart, Complete with {@code x-oss-forbid-overwrite}, Abort) and ListObjects
 * (prefix, marker, max-keys, encoding-type=url). Errors are OSS's error XML. Objects live in memory.
 */
public final class FakeOssServer implements AutoCloseable {

    record StoredObject(byte[] data, String etag, Instant modified) {
    }

    private record AccessKey(String id, String secret) {
    }

    private static final Pattern PART = Pattern.compile("<Part>\\s*<PartNumber>(\\d+)</PartNumber>\\s*<ETag>\"?([^<\"]+)\"?</ETag>\\s*</Part>");
    private static final Pattern TAG = Pattern.compile("<Tag>\\s*<Key>([^<]*)</Key>\\s*<Value>([^<]*)</Value>\\s*</Tag>");
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d*)-(\\d*)");
    private static final DateTimeFormatter ISO_MILLIS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC);

    private final String bucket;
    /** The one key accepted, replaced as a whole by {@link #acceptOnly}. */
    private volatile AccessKey acceptedKey;
    private final HttpServer server;
    private final ConcurrentSkipListMap<String, StoredObject> objects = new ConcurrentSkipListMap<>(FakeOssServer::compareUtf8);
    private final Map<String, Map<Integer, StoredObject>> uploads = new ConcurrentHashMap<>();
    private final Map<String, Map<String, String>> tags = new ConcurrentHashMap<>();
    /** A bucket WORM policy: objects younger than this cannot be deleted (null: none). */
    private volatile java.time.Duration wormRetention;

    public FakeOssServer(String bucket, String accessKeyId, String accessKeySecret) throws IOException {
        this.bucket = bucket;
        this.acceptedKey = new AccessKey(accessKeyId, accessKeySecret);
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.createContext("/", this::handle);
        server.setExecutor(Executors.newFixedThreadPool(16));
        server.start();
    }

    /**
     * Turns on a bucket retention policy (OSS WORM) as OSS enforces it on deletion: an object
     * younger than {@code retention} is refused with 409 FileImmutable.
     */
    public void worm(java.time.Duration retention) {
        this.wormRetention = retention;
    }

    /** Sets a tag on an object, as PutObjectTagging (or the console) would. */
    public void tag(String key, String name, String value) {
        tags.computeIfAbsent(key, k -> new java.util.concurrent.ConcurrentSkipListMap<>()).put(name, value);
    }

    public String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /**
     * Rotates the access key, as a key rotation in the RAM console does: from now on only this key
     * is accepted, and requests signed with the previous one get {@code InvalidAccessKeyId}.
     */
    void acceptOnly(String accessKeyId, String accessKeySecret) {
        acceptedKey = new AccessKey(accessKeyId, accessKeySecret);
    }

    /** Multipart uploads initiated and neither completed nor aborted. */
    int openUploads() {
        return uploads.size();
    }

    int objectCount() {
        return objects.size();
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            Map<String, String> query = OssV1Signature.query(exchange.getRequestURI().getRawQuery());
            String[] parts = path.substring(1).split("/", 2);
            String key = parts.length > 1 ? parts[1] : "";
            byte[] body = exchange.getRequestBody().readAllBytes();
            AccessKey accepted = acceptedKey;
            String expected = OssV1Signature.expected(exchange, parts[0], key, query, accepted.secret());
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            if (authorization == null || !authorization.startsWith("OSS ")) {
                error(exchange, 403, "AccessDenied", "no OSS V1 Authorization header");
                return;
            }
            String[] credential = authorization.substring(4).split(":", 2);
            if (!credential[0].equals(accepted.id())) {
                error(exchange, 403, "InvalidAccessKeyId", "The OSS Access Key Id you provided does not exist in our records.");
                return;
            }
            if (credential.length < 2 || !credential[1].equals(expected)) {
                error(exchange, 403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided.");
                return;
            }
            if (!parts[0].equals(bucket)) {
                error(exchange, 404, "NoSuchBucket", "The specified bucket does not exist.");
                return;
            }
            route(exchange, exchange.getRequestMethod(), key, query, body);
        } catch (RuntimeException e) {
            error(exchange, 500, "InternalError", String.valueOf(e));
        }
    }

    private void route(HttpExchange exchange, String method, String key, Map<String, String> query, byte[] body) throws IOException {
        if (key.isEmpty()) {
            if (method.equals("GET") && !query.containsKey("list-type")) {
                listObjects(exchange, query);
            } else {
                error(exchange, 501, "NotImplemented", "the fake implements ListObjects (V1) only on the bucket");
            }
            return;
        }
        if (query.containsKey("tagging")) {
            tagging(exchange, method, key, body);
            return;
        }
        switch (method) {
            case "PUT" -> {
                if (query.containsKey("uploadId")) {
                    uploadPart(exchange, key, query, body);
                } else {
                    putObject(exchange, key, body);
                }
            }
            case "POST" -> {
                if (query.containsKey("uploads")) {
                    String id = UUID.randomUUID().toString().replace("-", "").toUpperCase(Locale.ROOT);
                    uploads.put(id + "/" + key, new ConcurrentHashMap<>());
                    xml(exchange, 200, "<InitiateMultipartUploadResult><Bucket>" + bucket + "</Bucket><Key>" + escape(key)
                            + "</Key><UploadId>" + id + "</UploadId></InitiateMultipartUploadResult>");
                } else if (query.containsKey("uploadId")) {
                    complete(exchange, key, query.get("uploadId"), new String(body, StandardCharsets.UTF_8));
                } else {
                    error(exchange, 501, "NotImplemented", "unsupported POST");
                }
            }
            case "DELETE" -> {
                if (query.containsKey("uploadId")) {
                    if (uploads.remove(query.get("uploadId") + "/" + key) == null) {
                        error(exchange, 404, "NoSuchUpload", "The specified upload does not exist.");
                        return;
                    }
                } else {
                    StoredObject existing = objects.get(key);
                    java.time.Duration worm = wormRetention;
                    if (existing != null && worm != null && existing.modified().plus(worm).isAfter(Instant.now())) {
                        error(exchange, 409, "FileImmutable", "The object you specified is immutable.");
                        return;
                    }
                    objects.remove(key);
                }
                exchange.sendResponseHeaders(204, -1);
            }
            case "GET", "HEAD" -> getObject(exchange, key, method.equals("HEAD"));
            default -> error(exchange, 405, "MethodNotAllowed", method);
        }
    }

    private void putObject(HttpExchange exchange, String key, byte[] body) throws IOException {
        String md5 = exchange.getRequestHeaders().getFirst("Content-MD5");
        if (md5 != null && !md5.equals(Base64.getEncoder().encodeToString(md5(body)))) {
            error(exchange, 400, "InvalidDigest", "The Content-MD5 you specified is not valid.");
            return;
        }
        StoredObject object = new StoredObject(body, HexFormat.of().withUpperCase().formatHex(md5(body)), Instant.now());
        if (!publish(exchange, key, object)) {
            return;
        }
        exchange.getResponseHeaders().set("ETag", "\"" + object.etag() + "\"");
        exchange.sendResponseHeaders(200, -1);
    }

    /** Stores an object, honouring x-oss-forbid-overwrite; false (after answering 409) when refused. */
    private boolean publish(HttpExchange exchange, String key, StoredObject object) throws IOException {
        if ("true".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("x-oss-forbid-overwrite"))) {
            if (objects.putIfAbsent(key, object) != null) {
                error(exchange, 409, "FileAlreadyExists", "The object you specified already exists and can not be overwritten.");
                return false;
            }
            return true;
        }
        objects.put(key, object);
        return true;
    }

    private void uploadPart(HttpExchange exchange, String key, Map<String, String> query, byte[] body) throws IOException {
        Map<Integer, StoredObject> upload = uploads.get(query.get("uploadId") + "/" + key);
        if (upload == null) {
            error(exchange, 404, "NoSuchUpload", "The specified upload does not exist.");
            return;
        }
        int number = Integer.parseInt(query.get("partNumber"));
        if (number < 1 || number > 10_000) {
            error(exchange, 400, "InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive.");
            return;
        }
        String md5 = exchange.getRequestHeaders().getFirst("Content-MD5");
        if (md5 != null && !md5.equals(Base64.getEncoder().encodeToString(md5(body)))) {
            error(exchange, 400, "InvalidDigest", "The Content-MD5 you specified is not valid.");
            return;
        }
        StoredObject part = new StoredObject(body, HexFormat.of().withUpperCase().formatHex(md5(body)), Instant.now());
        upload.put(number, part);
        exchange.getResponseHeaders().set("ETag", "\"" + part.etag() + "\"");
        exchange.sendResponseHeaders(200, -1);
    }

    private void complete(HttpExchange exchange, String key, String uploadId, String body) throws IOException {
        Map<Integer, StoredObject> upload = uploads.get(uploadId + "/" + key);
        if (upload == null) {
            error(exchange, 404, "NoSuchUpload", "The specified upload does not exist.");
            return;
        }
        List<StoredObject> chosen = new ArrayList<>();
        int previous = 0;
        Matcher matcher = PART.matcher(body.replace("&quot;", "\""));
        while (matcher.find()) {
            int number = Integer.parseInt(matcher.group(1));
            StoredObject part = upload.get(number);
            if (number <= previous) {
                error(exchange, 400, "InvalidPartOrder", "The list of parts was not in ascending order.");
                return;
            }
            if (part == null || !part.etag().equalsIgnoreCase(matcher.group(2))) {
                error(exchange, 400, "InvalidPart", "One or more of the specified parts could not be found or the specified entity tag might not have matched the part's entity tag.");
                return;
            }
            previous = number;
            chosen.add(part);
        }
        if (chosen.isEmpty()) {
            error(exchange, 400, "MalformedXML", "The XML you provided was not well-formed.");
            return;
        }
        for (int i = 0; i < chosen.size() - 1; i++) {
            if (chosen.get(i).data().length < 100 * 1024) {
                error(exchange, 400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size.");
                return;
            }
        }
        java.io.ByteArrayOutputStream whole = new java.io.ByteArrayOutputStream();
        for (StoredObject part : chosen) {
            whole.writeBytes(part.data());
        }
        StoredObject object = new StoredObject(whole.toByteArray(), "MULTIPART-" + uploadId + "-" + chosen.size(), Instant.now());
        if (!publish(exchange, key, object)) {
            return; // a refused complete leaves the upload in place, as OSS does: the client must abort it
        }
        uploads.remove(uploadId + "/" + key);
        xml(exchange, 200, "<CompleteMultipartUploadResult><Location>" + endpoint() + "/" + bucket + "/" + escape(key)
                + "</Location><Bucket>" + bucket + "</Bucket><Key>" + escape(key) + "</Key><ETag>\"" + object.etag()
                + "\"</ETag></CompleteMultipartUploadResult>");
    }

    /** GetObjectTagging and PutObjectTagging: an object's tags, as XML. */
    private void tagging(HttpExchange exchange, String method, String key, byte[] body) throws IOException {
        if (!objects.containsKey(key)) {
            error(exchange, 404, "NoSuchKey", "The specified key does not exist.");
            return;
        }
        if (method.equals("PUT")) {
            Map<String, String> set = new java.util.TreeMap<>();
            Matcher m = TAG.matcher(new String(body, StandardCharsets.UTF_8));
            while (m.find()) {
                set.put(m.group(1), m.group(2));
            }
            tags.put(key, set);
            exchange.sendResponseHeaders(200, -1);
            return;
        }
        StringBuilder xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Tagging><TagSet>");
        tags.getOrDefault(key, Map.of()).forEach((k, v) -> xml.append("<Tag><Key>").append(k).append("</Key><Value>").append(v)
                .append("</Value></Tag>"));
        xml.append("</TagSet></Tagging>");
        byte[] bytes = xml.toString().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/xml");
        exchange.sendResponseHeaders(200, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    private void getObject(HttpExchange exchange, String key, boolean head) throws IOException {
        StoredObject object = objects.get(key);
        if (object == null) {
            if (head) {
                exchange.sendResponseHeaders(404, -1);
            } else {
                error(exchange, 404, "NoSuchKey", "The specified key does not exist.");
            }
            return;
        }
        byte[] data = object.data();
        int from = 0;
        int to = data.length;
        int status = 200;
        String range = head ? null : exchange.getRequestHeaders().getFirst("Range");
        if (range != null) {
            Matcher m = RANGE.matcher(range.trim());
            boolean standard = "standard".equals(exchange.getRequestHeaders().getFirst("x-oss-range-behavior"));
            if (m.matches() && !m.group(1).isEmpty()) {
                long start = Long.parseLong(m.group(1));
                long end = m.group(2).isEmpty() ? data.length - 1L : Math.min(Long.parseLong(m.group(2)), data.length - 1L);
                if (start < data.length && start <= end) {
                    from = (int) start;
                    to = (int) end + 1;
                    status = 206;
                    exchange.getResponseHeaders().set("Content-Range", "bytes " + from + "-" + (to - 1) + "/" + data.length);
                } else if (standard) {
                    error(exchange, 416, "InvalidRange", "The requested range cannot be satisfied.");
                    return;
                } // legacy behaviour: an unsatisfiable range answers the whole object with 200
            }
        }
        exchange.getResponseHeaders().set("ETag", "\"" + object.etag() + "\"");
        exchange.getResponseHeaders().set("Last-Modified", HTTP_DATE.format(object.modified()));
        exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
        if (head) {
            exchange.getResponseHeaders().set("Content-Length", Integer.toString(data.length));
            exchange.sendResponseHeaders(200, -1);
            return;
        }
        exchange.sendResponseHeaders(status, to - from == 0 ? -1 : to - from);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(data, from, to - from);
        }
    }

    private void listObjects(HttpExchange exchange, Map<String, String> query) throws IOException {
        String prefix = query.getOrDefault("prefix", "");
        String marker = query.getOrDefault("marker", "");
        int maxKeys = Integer.parseInt(query.getOrDefault("max-keys", "100"));
        boolean url = "url".equals(query.get("encoding-type"));
        StringBuilder contents = new StringBuilder();
        String last = null;
        int count = 0;
        boolean truncated = false;
        Map<String, StoredObject> tail = marker.isEmpty() ? objects : objects.tailMap(marker, false);
        for (Map.Entry<String, StoredObject> entry : tail.entrySet()) {
            if (!entry.getKey().startsWith(prefix)) {
                if (compareUtf8(entry.getKey(), prefix) > 0) {
                    break; // sorted: every later key is past the prefix too
                }
                continue;
            }
            if (count == maxKeys) {
                truncated = true;
                break;
            }
            StoredObject object = entry.getValue();
            contents.append("<Contents><Key>").append(encode(entry.getKey(), url)).append("</Key><LastModified>")
                    .append(ISO_MILLIS.format(object.modified())).append("</LastModified><ETag>\"")
                    .append(object.etag()).append("\"</ETag><Type>Normal</Type><Size>").append(object.data().length)
                    .append("</Size><StorageClass>Standard</StorageClass><Owner><ID>1000000000000001</ID><DisplayName>1000000000000001</DisplayName></Owner></Contents>");
            last = entry.getKey();
            count++;
        }
        xml(exchange, 200, "<ListBucketResult><Name>" + bucket + "</Name><Prefix>" + encode(prefix, url) + "</Prefix><Marker>"
                + encode(marker, url) + "</Marker><MaxKeys>" + maxKeys + "</MaxKeys><Delimiter></Delimiter>"
                + (url ? "<EncodingType>url</EncodingType>" : "") + "<IsTruncated>" + truncated + "</IsTruncated>"
                + (truncated ? "<NextMarker>" + encode(last, url) + "</NextMarker>" : "") + contents + "</ListBucketResult>");
    }

    private void error(HttpExchange exchange, int status, String code, String message) throws IOException {
        xml(exchange, status, "<Error><Code>" + code + "</Code><Message>" + escape(message) + "</Message><RequestId>"
                + UUID.randomUUID().toString().replace("-", "").toUpperCase(Locale.ROOT) + "</RequestId><HostId>" + bucket
                + ".127.0.0.1</HostId></Error>");
    }

    private static void xml(HttpExchange exchange, int status, String xml) throws IOException {
        byte[] bytes = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + xml).getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/xml");
        exchange.getResponseHeaders().set("x-oss-request-id", UUID.randomUUID().toString());
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static String encode(String value, boolean url) {
        return url ? URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20") : escape(value);
    }

    private static String escape(String value) {
        return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;").replace("'", "&apos;");
    }

    private static byte[] md5(byte[] data) {
        try {
            return MessageDigest.getInstance("MD5").digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int compareUtf8(String a, String b) {
        return io.etcdbackup.stores.ObjectKeys.compareUtf8(a, b);
    }
}
