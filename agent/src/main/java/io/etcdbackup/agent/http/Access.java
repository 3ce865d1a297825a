package io.etcdbackup.agent.http;

import io.etcdbackup.agent.cluster.LeaderGatedBackup;
import io.javalin.http.Handler;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Optional;

/**
 * Who may do what, decided in one place for every route: a mutation, and a read of stored keys
 * and values, needs the bearer token when one is configured (else {@link ApiErrors.UnauthorizedException}), and a snapshot request runs
 * only beside the etcd leader; elsewhere it is forwarded to the leader's agent
 * ({@link LeaderForwarder}).
 */
final class Access {

    private final byte[] token;
    private final LeaderGatedBackup gate;
    private final LeaderForwarder forwarder;

    /**
     * @param token     the bearer token mutations must present; empty for none
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
     * A read of what the cluster stores (keys and values, which include secrets): like a
     * mutation, it needs the bearer token when one is configured.
     */
    Handler secretRead(Handler handler) {
        return authenticated(handler);
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
