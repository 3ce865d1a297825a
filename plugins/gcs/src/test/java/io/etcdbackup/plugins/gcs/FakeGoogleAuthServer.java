package io.etcdbackup.plugins.gcs;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Google's OAuth token endpoint and a storage JSON API that holds no objects, on 127.0.0.1, for
 * testing which service account a store authenticates as.
 *
 * <p>{@code POST /token} takes the JWT-bearer grant a service account sends and answers the access
 * token {@code token-for-<iss>}, {@code iss} being the client email from the JWT (the signature is
 * not checked: which key signed is shown by which account asks). Every other request must carry
 * {@code Authorization: Bearer token-for-<the accepted account>} ({@link #acceptOnly}), else it is
 * answered 401 (a revoked account); an authorized object GET is answered 404 {@code No such object}.
 */
final class FakeGoogleAuthServer implements AutoCloseable {

    private static final Pattern ISS = Pattern.compile("\"iss\"\\s*:\\s*\"([^\"]+)\"");

    private final HttpServer server;
    private final List<String> tokenRequests = new CopyOnWriteArrayList<>();
    private final List<String> storageAuthorizations = new CopyOnWriteArrayList<>();
    private volatile String accepted;

    FakeGoogleAuthServer(String acceptedAccount) throws IOException {
        this.accepted = acceptedAccount;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/token", this::token);
        server.createContext("/", this::storage);
        server.start();
    }

    /** {@code http://127.0.0.1:PORT}: the store URL's {@code endpoint}. */
    String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** The service-account JSON's {@code token_uri}. */
    String tokenUri() {
        return endpoint() + "/token";
    }

    /** From now on only this account's token is accepted: any other account is revoked. */
    void acceptOnly(String account) {
        accepted = account;
    }

    /** The client emails that asked for a token, in order. */
    List<String> tokenRequests() {
        return List.copyOf(tokenRequests);
    }

    /** The Authorization headers of the storage requests, in order ({@code "-"} for none). */
    List<String> storageAuthorizations() {
        return List.copyOf(storageAuthorizations);
    }

    private void token(HttpExchange exchange) throws IOException {
        String form = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        String assertion = null;
        boolean jwtBearer = false;
        for (String pair : form.split("&")) {
            String[] kv = pair.split("=", 2);
            String value = kv.length == 2 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "";
            if (kv[0].equals("assertion")) {
                assertion = value;
            } else if (kv[0].equals("grant_type")) {
                jwtBearer = value.equals("urn:ietf:params:oauth:grant-type:jwt-bearer");
            }
        }
        String[] jwt = assertion == null ? new String[0] : assertion.split("\\.");
        if (!"POST".equals(exchange.getRequestMethod()) || !jwtBearer || jwt.length != 3) {
            reply(exchange, 400, "{\"error\":\"invalid_request\"}");
            return;
        }
        Matcher iss = ISS.matcher(new String(Base64.getUrlDecoder().decode(jwt[1]), StandardCharsets.UTF_8));
        if (!iss.find()) {
            reply(exchange, 400, "{\"error\":\"invalid_grant\"}");
            return;
        }
        tokenRequests.add(iss.group(1));
        reply(exchange, 200, "{\"access_token\":\"token-for-" + iss.group(1) + "\",\"expires_in\":3600,\"token_type\":\"Bearer\"}");
    }

    private void storage(HttpExchange exchange) throws IOException {
        exchange.getRequestBody().readAllBytes();
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        storageAuthorizations.add(authorization == null ? "-" : authorization);
        if (!("Bearer token-for-" + accepted).equals(authorization)) {
            reply(exchange, 401, "{\"error\":{\"code\":401,\"message\":\"Invalid Credentials\",\"errors\":[{\"reason\":\"authError\"}]}}");
            return;
        }
        String path = exchange.getRequestURI().getRawPath();
        if ("GET".equals(exchange.getRequestMethod()) && path.matches("/storage/v1/b/[^/]+/o/.+")) {
            String name = URLDecoder.decode(path.substring(path.indexOf("/o/") + 3), StandardCharsets.UTF_8);
            reply(exchange, 404, "{\"error\":{\"code\":404,\"message\":\"No such object: " + name + "\"}}");
            return;
        }
        reply(exchange, 400, "{\"error\":{\"code\":400,\"message\":\"not supported by the fake: "
                + exchange.getRequestMethod() + " " + path + "\"}}");
    }

    private static void reply(HttpExchange exchange, int status, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json; charset=UTF-8");
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
