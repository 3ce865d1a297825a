package io.etcdbackup.agent.http;

import io.etcdbackup.agent.cluster.LeaderGatedBackup;
import io.javalin.http.Context;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Optional;

/**
 * Sends a snapshot request that reached a follower's agent to the agent beside the etcd leader
 * (found in the store's agent directory) and relays its answer unchanged, as the reference's
 * sidecar does. A request is forwarded at most once: an agent that receives a forwarded request
 * but does not lead answers 503, as leadership is then changing and the caller should retry.
 */
final class LeaderForwarder {

    /** Marks a forwarded request; its value names the agent that forwarded it. */
    static final String FORWARDED_BY = "X-Etcd-Backup-Forwarded-By";

    /** The leader's agent could not be reached or did not answer in time (502 / 504). */
    static final class UpstreamException extends RuntimeException {
        private final int status;

        UpstreamException(int status, String message, Throwable cause) {
            super(message, cause);
            this.status = status;
        }

        int status() {
            return status;
        }
    }

    private final LeaderGatedBackup gate;
    private final HttpClient client;

    /** @param tls whom to trust over HTTPS; empty for the JVM's default CAs */
    LeaderForwarder(LeaderGatedBackup gate, Optional<SSLContext> tls) {
        this.gate = gate;
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10));
        tls.ifPresent(builder::sslContext);
        this.client = builder.build();
    }

    /**
     * Forwards {@code ctx}'s request (method, path, query, Authorization header) and writes the
     * leader's agent's status, content type and body into {@code ctx}.
     *
     * @throws IllegalStateException when no leader's agent is known or the request was already
     *                               forwarded once (503: retry)
     * @throws UpstreamException     when the leader's agent did not answer
     */
    void forward(Context ctx, Duration timeout) throws IOException, InterruptedException {
        String forwardedBy = ctx.header(FORWARDED_BY);
        if (forwardedBy != null) {
            throw new IllegalStateException("request forwarded by " + forwardedBy + " to this agent, whose etcd member does not lead "
                    + "(role " + gate.view().role() + "); leadership is changing, retry");
        }
        String base = stripSlash(gate.leaderAgentUrl());
        if (gate.advertisedUrl().map(LeaderForwarder::stripSlash).filter(base::equals).isPresent()) {
            throw new IllegalStateException("the store names this agent as the leader's, but its etcd member does not lead; retry");
        }
        String query = ctx.queryString();
        URI target = URI.create(base + ctx.path() + (query == null || query.isEmpty() ? "" : "?" + query));
        HttpRequest.Builder request = HttpRequest.newBuilder(target).timeout(timeout)
                .method(ctx.method().name(), HttpRequest.BodyPublishers.noBody())
                .header(FORWARDED_BY, gate.advertisedUrl().orElse("an agent"));
        String authorization = ctx.header("Authorization");
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        HttpResponse<byte[]> response;
        try {
            response = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (HttpTimeoutException e) {
            throw new UpstreamException(504, "the leader's agent at " + base + " did not answer within " + timeout, e);
        } catch (IOException e) {
            throw new UpstreamException(502, "cannot reach the leader's agent at " + base + ": " + e, e);
        }
        ctx.status(response.statusCode());
        response.headers().firstValue("Content-Type").ifPresent(ctx::contentType);
        ctx.header("X-Etcd-Backup-Served-By", base);
        ctx.result(response.body());
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
