package io.etcdbackup.agent.http;

import io.etcdbackup.agent.cluster.LeaderGatedBackup;
import io.javalin.http.Handler;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Optional;

/**
 * Who may do what, decided in one place for every route: a mutation needs the bearer token when
 * one is configured, a read of stored keys and values always (else {@link ApiErrors.UnauthorizedException}), and a snapshot request runs
 * only beside the etcd leader; elsewhere it is forwarded to the leader's agent
 * ({@link LeaderForwarder}).
 */
final class Access {

    private final byte[] token;
    private final LeaderGatedBackup gate;
    private final LeaderForwarder forwarder;

    /**
     * @param token     the bearer token mutations and reads of keys must present; empty for none
     * @param forwarding the TLS context for forwarding to the leader's agent; empty for the JVM's default
     */
    Access(Optional<String> token, LeaderGatedBackup gate, Optional<javax.net.ssl.SSLContext> forwarding) {
        this.token = token.map(t -> t.getBytes(StandardCharsets.UTF_8)).orElse(null);
        this.gate = gate;
        this.forwarder = new LeaderForwarder(gate, forwarding);
    }

    /** {@code handler}, run only for a caller presenting the bearer token (when one is configured). */
    Handler mutation(Handler handler) {
        return authenticated(handler);
    }

    /**
     * A read of what the cluster stores (keys and values, which include secrets): it needs the
     * bearer token, and without one configured it is refused (403) rather than open to anyone who
     * reaches the port.
     */
    Handler secretRead(Handler handler) {
        Handler authenticated = authenticated(handler);
        return ctx -> {
            if (token == null) {
                throw new io.javalin.http.ForbiddenResponse(ctx.path() + " reads keys and values, secrets included: it is served only "
                        + "with a bearer token (--api-token-file)");
            }
            authenticated.handle(ctx);
        };
    }

    private Handler authenticated(Handler handler) {
        return ctx -> {
            if (token != null) {
                String header = Optional.ofNullable(ctx.header("Authorization")).orElse("");
                byte[] presented = header.startsWith("Bearer ")
                        ? header.substring("Bearer ".length()).trim().getBytes(StandardCharsets.UTF_8) : new byte[0];
                if (!MessageDigest.isEqual(presented, token)) {
                    throw new ApiErrors.UnauthorizedException();
                }
            }
            handler.handle(ctx);
        };
    }

    /**
     * A mutation that takes a snapshot: {@code handler} runs here while the local member leads;
     * otherwise the request is forwarded, waiting at most {@code forwardTimeout} for the answer.
     */
    Handler snapshotMutation(Duration forwardTimeout, Handler handler) {
        return mutation(ctx -> {
            if (gate.isLeader()) {
                handler.handle(ctx);
            } else {
                forwarder.forward(ctx, forwardTimeout);
            }
        });
    }
}
