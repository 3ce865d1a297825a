package io.etcdbackup.agent.http;

import io.etcdbackup.restore.NoBackupException;
import io.etcdbackup.restore.RevisionGapException;
import io.etcdbackup.restore.keys.TooManyKeysException;
import io.javalin.config.RoutesConfig;
import io.javalin.http.HttpResponseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The single place where failures become HTTP answers (status and {@code {"error": ...}} body);
 * handlers only throw:
 * <ul>
 *   <li>401 (with {@code WWW-Authenticate: Bearer}): {@link UnauthorizedException};</li>
 *   <li>404: {@link NotConfiguredException}, {@link NoBackupException}, an unknown path;</li>
 *   <li>409: {@link RevisionGapException};</li>
 *   <li>422: {@link TooManyKeysException} (a key listing larger than the sidecar holds);</li>
 *   <li>400: {@link IllegalArgumentException}; 503 (retry): {@link IllegalStateException}, also
 *       when wrapped in an {@link ExecutionException} or {@link CompletionException};</li>
 *   <li>502 / 504: {@link LeaderForwarder.UpstreamException}, its own status;</li>
 *   <li>500 for anything else, logged.</li>
 * </ul>
 */
final class ApiErrors {

    private static final Logger LOG = LoggerFactory.getLogger(ApiErrors.class);

    /** An endpoint whose feature was not configured; the message names the option. */
    static final class NotConfiguredException extends RuntimeException {
        NotConfiguredException(String message) {
            super(message);
        }
    }

    /** The caller did not present the configured bearer token. */
    static final class UnauthorizedException extends RuntimeException {
        UnauthorizedException() {
            super("missing or wrong bearer token");
        }
    }

    private ApiErrors() {
    }

    /** Installs the mapping on {@code r}. */
    static void install(RoutesConfig r) {
        r.exception(UnauthorizedException.class, (e, ctx) -> {
            ctx.header("WWW-Authenticate", "Bearer");
            Responses.error(ctx, 401, e.getMessage());
        });
        // Javalin's own (404 for an unknown path and the like): keep its status, answer in JSON.
        r.exception(HttpResponseException.class, (e, ctx) -> Responses.error(ctx, e.getStatus(), e.getMessage()));
        r.exception(NotConfiguredException.class, (e, ctx) -> Responses.error(ctx, 404, e.getMessage()));
        r.exception(NoBackupException.class, (e, ctx) -> Responses.error(ctx, 404, e.getMessage()));
        r.exception(RevisionGapException.class, (e, ctx) -> Responses.error(ctx, 409, e.getMessage()));
        r.exception(TooManyKeysException.class, (e, ctx) -> Responses.error(ctx, 422, e.getMessage()
                + " (the keys command has no such limit)"));
        r.exception(LeaderForwarder.UpstreamException.class, (e, ctx) -> Responses.error(ctx, e.status(), e.getMessage()));
        r.exception(IllegalArgumentException.class, (e, ctx) -> Responses.error(ctx, 400, e.getMessage()));
        r.exception(IllegalStateException.class, (e, ctx) -> Responses.error(ctx, 503, e.getMessage()));
        r.exception(Exception.class, (e, ctx) -> {
            Throwable cause = e;
            // takeFullNow runs on the capture's control thread: report what failed there.
            while ((cause instanceof ExecutionException || cause instanceof CompletionException) && cause.getCause() != null) {
                cause = cause.getCause();
            }
            if (cause instanceof IllegalArgumentException) {
                Responses.error(ctx, 400, cause.getMessage());
            } else if (cause instanceof IllegalStateException) {
                Responses.error(ctx, 503, cause.getMessage());
            } else {
                LOG.warn("request failed method={} path={}", ctx.method(), ctx.path(), cause);
                Responses.error(ctx, 500, Responses.oneLine(cause));
            }
        });
    }
}
