package io.etcdbackup.plugins.swift;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.etcdbackup.stores.TransientStoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * A Keystone v3 token and the object-store endpoint from its catalog, renewed a few minutes before
 * it expires, when Swift answers 401, and when the credentials changed (a rotated credentials
 * directory): the token is kept otherwise. Spoken over the JDK's HttpClient: openstack4j 3.12 has
 * no application-credential login, and its sessions are bound to the thread that logged in.
 */
final class KeystoneSession {

    /** A token and the storage URL it is valid for. */
    record Token(String id, String storageUrl, Instant expiresAt) {
        @Override
        public String toString() {
            return "Token[storageUrl=" + storageUrl + ", expiresAt=" + expiresAt + "]";
        }
    }

    private static final Duration RENEW_BEFORE = Duration.ofMinutes(5);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Logger LOG = LoggerFactory.getLogger(KeystoneSession.class);

    private final KeystoneCredentials.Source credentials;
    private final String interfaceName;
    private final HttpClient http;
    private final Clock clock;
    private Token current;
    private KeystoneCredentials loggedInWith;

    KeystoneSession(KeystoneCredentials.Source credentials, String interfaceName, HttpClient http, Clock clock) {
        this.credentials = credentials;
        this.interfaceName = interfaceName;
        this.http = http;
        this.clock = clock;
    }

    /**
     * A token valid for a few more minutes, got with the credentials as they are now: logs in if
     * there is none, if it is about to expire, or if the credentials changed since it was got.
     */
    synchronized Token token() throws IOException {
        KeystoneCredentials now = credentials.current();
        boolean rotated = current != null && !now.equals(loggedInWith);
        if (current == null || rotated || clock.instant().isAfter(current.expiresAt().minus(RENEW_BEFORE))) {
            if (rotated) {
                LOG.info("Keystone credentials changed; logging in again credentials={}", now);
            }
            current = login(now); // if this fails, the next call tries the new credentials again
            loggedInWith = now;
        }
        return current;
    }

    /** Forgets the token with id {@code rejectedId}, if still current, so the next {@link #token()} logs in again. */
    synchronized void invalidate(String rejectedId) {
        if (current != null && current.id().equals(rejectedId)) {
            current = null;
        }
    }

    private Token login(KeystoneCredentials credentials) throws IOException {
        String url = tokensUrl(credentials.authUrl());
        HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(requestBody(credentials).toString())).build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while logging in to Keystone at " + url, e);
        } catch (IOException e) {
            throw new TransientStoreException("cannot reach Keystone at " + url + ": " + e, e);
        }
        int status = response.statusCode();
        if (status != 201 && status != 200) {
            String message = "Keystone at " + url + " refused the login of " + credentials + ": HTTP " + status + " " + abbreviate(response.body());
            throw status >= 500 || status == 429 ? new TransientStoreException(message) : new IOException(message);
        }
        String id = response.headers().firstValue("X-Subject-Token")
                .orElseThrow(() -> new IOException("Keystone at " + url + " answered without X-Subject-Token"));
        JsonNode token = JSON.readTree(response.body()).path("token");
        return new Token(id, storageUrl(credentials, token.path("catalog"), url), Instant.parse(token.path("expires_at").asText()));
    }

    private String storageUrl(KeystoneCredentials credentials, JsonNode catalog, String url) throws IOException {
        for (JsonNode service : catalog) {
            if (!service.path("type").asText().equals("object-store")) {
                continue;
            }
            for (JsonNode endpoint : service.path("endpoints")) {
                boolean regionMatches = credentials.region().isEmpty()
                        || credentials.region().equals(endpoint.path("region").asText())
                        || credentials.region().equals(endpoint.path("region_id").asText());
                if (regionMatches && interfaceName.equals(endpoint.path("interface").asText())) {
                    return endpoint.path("url").asText();
                }
            }
        }
        throw new IOException("the Keystone catalog from " + url + " has no object-store endpoint with interface '"
                + interfaceName + "'" + (credentials.region().isEmpty() ? "" : " in region '" + credentials.region() + "'"));
    }

    private static ObjectNode requestBody(KeystoneCredentials credentials) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode auth = root.putObject("auth");
        ObjectNode identity = auth.putObject("identity");
        if (credentials.usesApplicationCredential()) {
            identity.putArray("methods").add("application_credential");
            ObjectNode ac = identity.putObject("application_credential");
            if (!credentials.appCredentialId().isEmpty()) {
                ac.put("id", credentials.appCredentialId());
            } else {
                ac.put("name", credentials.appCredentialName());
                user(credentials, ac.putObject("user"));
            }
            ac.put("secret", credentials.appCredentialSecret());
            return root; // an application credential carries its own scope
        }
        identity.putArray("methods").add("password");
        user(credentials, identity.putObject("password").putObject("user")).put("password", credentials.password());
        ObjectNode project = auth.putObject("scope").putObject("project");
        if (!credentials.projectId().isEmpty()) {
            project.put("id", credentials.projectId());
        } else {
            project.put("name", credentials.projectName());
            project.putObject("domain").put("name", domainOrDefault(credentials.projectDomain()));
        }
        return root;
    }

    private static ObjectNode user(KeystoneCredentials credentials, ObjectNode user) {
        user.put("name", credentials.userName());
        user.putObject("domain").put("name", domainOrDefault(credentials.userDomain()));
        return user;
    }

    private static String domainOrDefault(String domain) {
        return domain.isEmpty() ? "Default" : domain;
    }

    static String tokensUrl(String authUrl) {
        String base = authUrl.endsWith("/") ? authUrl.substring(0, authUrl.length() - 1) : authUrl;
        return (base.endsWith("/v3") ? base : base + "/v3") + "/auth/tokens";
    }

    static String abbreviate(String body) {
        String flat = body == null ? "" : body.replaceAll("\\s+", " ").trim();
        return flat.length() > 300 ? flat.substring(0, 300) + "..." : flat;
    }
}
