package io.etcdbackup.stores;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A parsed store URL: {@code scheme://container/prefix?option=value&...}. For
 * {@code file:///absolute/path} the container is empty and the prefix is the absolute path.
 *
 * @param scheme    lower-case scheme, e.g. {@code s3}
 * @param container bucket or container name; empty for {@code file}
 * @param prefix    the key prefix inside the container, without leading or trailing slashes
 *                  (for {@code file}: the absolute directory path)
 * @param options   query options, in the order given
 */
public record StoreUrl(String scheme, String container, String prefix, Map<String, String> options) {

    public StoreUrl {
        options = Collections.unmodifiableMap(new LinkedHashMap<>(options));
    }

    /**
     * Parses a store URL.
     *
     * @throws IllegalArgumentException naming the URL and what is wrong with it
     */
    public static StoreUrl parse(String url) {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("store URL is empty; expected e.g. file:///var/backups/etcd or s3://bucket/prefix");
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("store URL '" + url + "' is not a valid URL: " + e.getReason());
        }
        if (uri.getScheme() == null) {
            throw new IllegalArgumentException("store URL '" + url + "' has no scheme; expected e.g. file:///var/backups/etcd or s3://bucket/prefix");
        }
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        Map<String, String> options = parseQuery(url, uri.getRawQuery());
        String path = uri.getPath() == null ? "" : uri.getPath();
        if (scheme.equals("file")) {
            if (uri.getAuthority() != null && !uri.getAuthority().isEmpty()) {
                throw new IllegalArgumentException("store URL '" + url + "' must be file:///absolute/path (three slashes, no host)");
            }
            if (!path.startsWith("/") || path.equals("/")) {
                throw new IllegalArgumentException("store URL '" + url + "' must name an absolute directory other than /");
            }
            return new StoreUrl(scheme, "", stripSlashes(path, true), options);
        }
        String container = uri.getAuthority();
        if (container == null || container.isEmpty()) {
            throw new IllegalArgumentException("store URL '" + url + "' names no bucket or container (" + scheme + "://CONTAINER/PREFIX)");
        }
        return new StoreUrl(scheme, container, stripSlashes(path, false), options);
    }

    /** A query option, if present. */
    public Optional<String> option(String name) {
        return Optional.ofNullable(options.get(name));
    }

    /**
     * Rejects options a provider does not know, naming them and the ones it takes.
     *
     * @throws IllegalArgumentException naming every unknown option
     */
    public void requireOnlyOptions(Set<String> known) {
        List<String> unknown = options.keySet().stream().filter(o -> !known.contains(o)).sorted().toList();
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("store URL '" + display() + "' has unknown option '" + unknown.get(0) + "' (unknown: "
                    + unknown + "); " + scheme + ":// takes " + String.join(", ", known.stream().sorted().toList()));
        }
    }

    /** The URL without its query, safe for logs. */
    public String display() {
        if (scheme.equals("file")) {
            return "file://" + prefix;
        }
        return scheme + "://" + container + (prefix.isEmpty() ? "" : "/" + prefix);
    }

    private static String stripSlashes(String path, boolean keepLeading) {
        String p = path;
        while (p.endsWith("/") && p.length() > 1) {
            p = p.substring(0, p.length() - 1);
        }
        if (!keepLeading) {
            while (p.startsWith("/")) {
                p = p.substring(1);
            }
        }
        return p;
    }

    private static Map<String, String> parseQuery(String url, String rawQuery) {
        Map<String, String> options = new LinkedHashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return options;
        }
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("store URL '" + url + "' has option '" + pair + "' without a value (use name=value)");
            }
            options.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                    URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return options;
    }
}
