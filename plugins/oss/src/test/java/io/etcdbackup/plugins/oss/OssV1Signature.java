package io.etcdbackup.plugins.oss;

import com.sun.net.httpserver.HttpExchange;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** What {@link FakeOssServer} checks a request's signature against: OSS's V1 header signature. */
final class OssV1Signature {

    /** Sub-resources that take part in the V1 canonicalized resource (OSS API reference, "signature in header"). */
    private static final Set<String> SUB_RESOURCES = Set.of("acl", "uploads", "location", "cors", "logging", "website",
            "referer", "lifecycle", "delete", "append", "tagging", "objectMeta", "uploadId", "partNumber", "security-token",
            "position", "img", "style", "styleName", "replication", "replicationProgress", "replicationLocation", "cname",
            "bucketInfo", "comp", "qos", "live", "status", "vod", "startTime", "endTime", "symlink", "x-oss-process",
            "response-content-type", "response-content-language", "response-expires", "response-cache-control",
            "response-content-disposition", "response-content-encoding", "restore", "callback", "callback-var",
            "versionId", "versioning", "versions", "continuation-token");
    private OssV1Signature() {
    }

    /** The V1 signature the client should have sent (OSS API reference: "Include a V1 signature in the header"). */
    static String expected(HttpExchange exchange, String bucketName, String key, Map<String, String> query, String accessKeySecret) {
        var headers = exchange.getRequestHeaders();
        StringBuilder toSign = new StringBuilder();
        toSign.append(exchange.getRequestMethod()).append('\n')
                .append(nullToEmpty(headers.getFirst("Content-MD5"))).append('\n')
                .append(nullToEmpty(headers.getFirst("Content-Type"))).append('\n')
                .append(nullToEmpty(headers.getFirst("Date"))).append('\n');
        TreeMap<String, String> ossHeaders = new TreeMap<>();
        headers.forEach((name, values) -> {
            String lower = name.toLowerCase(Locale.ROOT);
            if (lower.startsWith("x-oss-")) {
                ossHeaders.put(lower, String.join(",", values).trim());
            }
        });
        ossHeaders.forEach((name, value) -> toSign.append(name).append(':').append(value).append('\n'));
        toSign.append('/').append(bucketName).append('/').append(key);
        TreeMap<String, String> subResources = new TreeMap<>();
        query.forEach((name, value) -> {
            if (SUB_RESOURCES.contains(name)) {
                subResources.put(name, value);
            }
        });
        String separator = "?";
        for (Map.Entry<String, String> sub : subResources.entrySet()) {
            toSign.append(separator).append(sub.getKey());
            if (!sub.getValue().isEmpty()) {
                toSign.append('=').append(sub.getValue());
            }
            separator = "&";
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(accessKeySecret.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
            return Base64.getEncoder().encodeToString(mac.doFinal(toSign.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The query parameters of a raw (encoded) query string, decoded, in order. */
    static Map<String, String> query(String raw) {
        Map<String, String> result = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return result;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            result.put(name, eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return result;
    }

    private static String nullToEmpty(String value) {
        return value == null ? "" : value;
    }
}
