package io.etcdbackup.agent.http;

import io.etcdbackup.agent.member.InitializationService;
import io.etcdbackup.restore.init.ValidationMode;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.Handler;

/**
 * The reference's member-lifecycle paths: {@code /initialization/start} (GET or POST, a
 * mutation), {@code /initialization/status} and {@code /config}, each answering 404 when its
 * feature is not configured.
 */
final class MemberRoutes {

    private final HttpApi.MemberEndpoints member;

    MemberRoutes(HttpApi.MemberEndpoints member) {
        this.member = member;
    }

    void register(RoutesConfig r, Access access) {
        Handler initialize = access.mutation(this::initializationStart);
        r.get("/initialization/start", initialize);
        r.post("/initialization/start", initialize);
        r.get("/initialization/status", ctx -> ctx.contentType("text/plain").result(initialization().status().name()));
        r.get("/config", ctx -> ctx.contentType("application/yaml")
                .result(member.config().orElseThrow(() -> new ApiErrors.NotConfiguredException(
                        "/config needs --etcd-config-template (the etcd configuration file to render)")).render()));
    }

    private InitializationService initialization() {
        return member.initialization().orElseThrow(() -> new ApiErrors.NotConfiguredException(
                "/initialization needs the server's --data-dir (the data directory of the etcd member beside it)"));
    }

    private void initializationStart(Context ctx) {
        String mode = ctx.queryParam("mode") == null ? "full" : ctx.queryParam("mode");
        ValidationMode validation;
        try {
            validation = ValidationMode.parse(mode);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("query parameter mode must be sanity or full, got \"" + mode + "\"");
        }
        boolean started = initialization().start(validation);
        ctx.status(200).contentType("text/plain").result(started ? "initialization started" : "initialization already in progress");
    }
}
