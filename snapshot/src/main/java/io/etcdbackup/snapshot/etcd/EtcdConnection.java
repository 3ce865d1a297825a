package io.etcdbackup.snapshot.etcd;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How to reach an etcd cluster.
 *
 * @param endpoints client URLs; the first one is the member this agent sits beside (full
 *                  snapshots are streamed from it)
 * @param caCert    PEM bundle to verify the server with, for {@code https} endpoints
 * @param clientCert PEM client certificate for mutual TLS (with {@code clientKey})
 * @param clientKey  PEM PKCS#8 private key for mutual TLS
 * @param user      user name when etcd authentication is on (with {@code password})
 * @param password  password for {@code user}; never logged
 */
public record EtcdConnection(List<URI> endpoints, Optional<Path> caCert, Optional<Path> clientCert,
                             Optional<Path> clientKey, Optional<String> user, Optional<String> password) {

    public EtcdConnection {
        endpoints = List.copyOf(endpoints);
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("at least one etcd endpoint is required");
        }
        for (URI endpoint : endpoints) {
            String scheme = endpoint.getScheme();
            if (!"http".equals(scheme) && !"https".equals(scheme) || endpoint.getHost() == null || endpoint.getPort() < 0) {
                throw new IllegalArgumentException("etcd endpoint '" + endpoint + "' must be http(s)://HOST:PORT");
            }
        }
        Objects.requireNonNull(caCert);
        Objects.requireNonNull(clientCert);
        Objects.requireNonNull(clientKey);
        Objects.requireNonNull(user);
        Objects.requireNonNull(password);
        if (clientCert.isPresent() != clientKey.isPresent()) {
            throw new IllegalArgumentException("a client certificate and a client key go together; got only one");
        }
        if (user.isPresent() != password.isPresent()) {
            throw new IllegalArgumentException("an etcd user and a password go together; got only one");
        }
    }

    /** Plain-text endpoints without authentication, e.g. for a local etcd. */
    public static EtcdConnection plain(List<URI> endpoints) {
        return new EtcdConnection(endpoints, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
    }

    /** Parses a comma-separated endpoint list such as {@code http://127.0.0.1:2379,http://10.0.0.2:2379}. */
    public static List<URI> parseEndpoints(String commaSeparated) {
        if (commaSeparated == null || commaSeparated.isBlank()) {
            throw new IllegalArgumentException("etcd endpoints are empty; expected e.g. http://127.0.0.1:2379");
        }
        return java.util.Arrays.stream(commaSeparated.split(","))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .map(s -> {
                    try {
                        return new URI(s);
                    } catch (java.net.URISyntaxException e) {
                        throw new IllegalArgumentException("etcd endpoint '" + s + "' is not a URL: " + e.getReason());
                    }
                })
                .toList();
    }

    /** The endpoint of the member this agent works with. */
    public URI localEndpoint() {
        return endpoints.get(0);
    }

    @Override
    public String toString() {
        return "EtcdConnection" + endpoints + (user.isPresent() ? " as " + user.get() : "");
    }
}
