package io.etcdbackup.agent.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.etcdbackup.agent.backup.ChainStats;
import io.etcdbackup.agent.backup.ContinuousBackup;
import io.etcdbackup.compaction.Compactor;
import io.etcdbackup.agent.cluster.LeaderGatedBackup;
import io.etcdbackup.agent.drill.DrillRunner;
import io.etcdbackup.agent.member.EtcdConfigService;
import io.etcdbackup.agent.member.InitializationService;
import io.etcdbackup.restore.NoBackupException;
import io.etcdbackup.restore.RestoreEstimate;
import io.etcdbackup.restore.RestorePlan;
import io.etcdbackup.agent.restore.BackupSources;
import io.etcdbackup.restore.RestoreProgress;
import io.etcdbackup.restore.RestorePoint;
import io.etcdbackup.restore.RevisionGapException;
import io.etcdbackup.restore.init.ValidationMode;
import io.etcdbackup.agent.metrics.DrillGauges;
import io.etcdbackup.agent.metrics.StateGauges;
import io.etcdbackup.stores.metrics.MeteredObjectStore;
import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.snapshot.catalog.CatalogWriter;
import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
import io.etcdbackup.snapshot.catalog.FullSnapshotRef;
import io.etcdbackup.snapshot.catalog.Generation;
import io.javalin.Javalin;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HttpResponseException;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;

/**
 * The sidecar's HTTP API: the reference's compatibility paths ({@code /snapshot/*},
 * {@code /healthz}, {@code /metrics}) and our versioned API under {@code /v1/}. Mutations need
 * the bearer token when one is configured. Snapshot requests that reach a follower's agent are
 * forwarded to the leader's ({@link LeaderForwarder}). Exceptions become status codes in one
 * place ({@link #mapExceptions}); handlers only throw.
 */
public final class HttpApi implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
    private static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    /** How long an on-demand delta waits for the watch to deliver etcd's current revision. */
    private static final Duration DELTA_TIMEOUT = Duration.ofSeconds(60);
    /** How long a forwarded request may take: the reference controller's own timeouts (900 s / 60 s). */
    private static final Duration FORWARDED_FULL_TIMEOUT = Duration.ofSeconds(900);
    private static final Duration FORWARDED_DELTA_TIMEOUT = DELTA_TIMEOUT.plusSeconds(10);
    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    /**
     * @param port  port to listen on (0 picks a free one)
     * @param token bearer token mutations must present; empty for none
     * @param tls   PEM certificate and key to serve HTTPS with (reloaded when they change); empty
     *              for plain HTTP
     */
    public record Settings(int port, Optional<String> token, Optional<Tls> tls) {
        public Settings {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("server port must be 0..65535, got " + port);
            }
            Objects.requireNonNull(token, "token");
            Objects.requireNonNull(tls, "tls");
        }

        public Settings(int port, Optional<String> token) {
            this(port, token, Optional.empty());
        }

        /** {@code https} with TLS, else {@code http}. */
        public String scheme() {
            return tls.isPresent() ? "https" : "http";
        }

        @Override
        public String toString() {
            return "Settings[port=" + port + ", token=" + (token.isPresent() ? "<set>" : "<none>") + ", tls=" + tls + "]";
        }
    }

    /** The server's certificate and key files (PEM). */
    public record Tls(java.nio.file.Path certFile, java.nio.file.Path keyFile) {
    }

    /**
     * The member-lifecycle endpoints of the reference, each present only when configured.
     *
     * @param initialization {@code /initialization/*} (needs the server's data dir)
     * @param config         {@code /config} (needs the etcd configuration template)
     */
    public record MemberEndpoints(Optional<InitializationService> initialization, Optional<EtcdConfigService> config) {
        public static MemberEndpoints none() {
            return new MemberEndpoints(Optional.empty(), Optional.empty());
        }
    }

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

    private final LeaderGatedBackup gate;
    private final LeaderForwarder forwarder;
    private final Catalog catalog;
    private final Supplier<MeteredObjectStore.Health> storeHealth;
    private final MemberEndpoints member;
    private final Optional<DrillRunner> drills;
    private final PrometheusMeterRegistry registry;
    private final Settings settings;
    private final Clock clock;
    private final byte[] token;
    private final String openApi;
    private Javalin app;

    /**
     * @param gate        who writes: snapshot requests run here while the local member leads
     *                    and are forwarded otherwise
     * @param storeHealth how the store's calls fared lately, for {@code /v1/status}
     * @param drills      the scheduled restore drills, when configured: in {@code /v1/status} and the metrics
     */
    public HttpApi(LeaderGatedBackup gate, Catalog catalog, Supplier<MeteredObjectStore.Health> storeHealth,
                   MemberEndpoints member, Optional<DrillRunner> drills, PrometheusMeterRegistry registry, Settings settings,
                   Clock clock) {
        this.gate = gate;
        this.member = member;
        this.drills = drills;
        this.forwarder = new LeaderForwarder(gate);
        this.catalog = catalog;
        this.storeHealth = storeHealth;
        this.registry = registry;
        this.settings = settings;
        this.clock = clock;
        this.token = settings.token().map(t -> t.getBytes(StandardCharsets.UTF_8)).orElse(null);
        this.openApi = resource("openapi.json");
        StateGauges.register(registry, gate, writer());
        drills.ifPresent(d -> DrillGauges.register(registry, d, clock));
    }

    /** Starts listening; returns the bound port. */
    public int start() {
        app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            if (settings.tls().isPresent()) {
                ServerTls.apply(config, settings.tls().get().certFile(), settings.tls().get().keyFile(), settings.port());
            } else {
                config.jetty.port = settings.port();
            }
            routes(config.routes);
            mapExceptions(config.routes);
        });
        app.start();
        return app.port();
    }

    private void routes(RoutesConfig r) {
        // Reference-compatible paths: its controller uses any method, so accept GET and POST.
        for (String path : List.of("/snapshot/full", "/snapshot/delta", "/snapshot/latest")) {
            Handler handler = switch (path) {
                case "/snapshot/full" -> mutation(leaderOnly(FORWARDED_FULL_TIMEOUT, this::referenceFull));
                case "/snapshot/delta" -> mutation(leaderOnly(FORWARDED_DELTA_TIMEOUT, this::referenceDelta));
                default -> this::referenceLatest;
            };
            r.get(path, handler);
            r.post(path, handler);
        }
        r.get("/healthz", this::health);
        Handler initialize = mutation(this::initializationStart);
        r.get("/initialization/start", initialize);
        r.post("/initialization/start", initialize);
        r.get("/initialization/status", ctx -> ctx.contentType("text/plain").result(initialization().status().name()));
        r.get("/config", ctx -> ctx.contentType("application/yaml")
                .result(member.config().orElseThrow(() -> new NotConfiguredException(
                        "/config needs --etcd-config-template (the etcd configuration file to render)")).render()));
        r.get("/metrics", ctx -> ctx.contentType(PROMETHEUS_TEXT).result(registry.scrape()));

        r.get("/v1/status", ctx -> json(ctx, 200, status()));
        r.get("/v1/catalog", ctx -> json(ctx, 200, Map.of("generations", catalog.generations().stream().map(HttpApi::generation).toList())));
        r.post("/v1/snapshots/full", mutation(leaderOnly(FORWARDED_FULL_TIMEOUT, ctx -> json(ctx, 200, full(backup().takeFullNow())))));
        r.post("/v1/snapshots/delta", mutation(leaderOnly(FORWARDED_DELTA_TIMEOUT, ctx -> {
            ContinuousBackup backup = backup();
            Optional<DeltaSegmentRef> delta = backup.takeDeltaNow(DELTA_TIMEOUT);
            json(ctx, 200, Map.of("lastPublishedRevision", backup.lastPublishedRevision(),
                    "segment", delta.<Object>map(HttpApi::delta).orElse(Map.of())));
        })));
        r.get("/v1/restore-plan", ctx -> json(ctx, 200, plan(restorePoint(ctx))));
        r.get("/v1/openapi.json", ctx -> ctx.contentType("application/json").result(openApi));
    }

    /** The single place where failures become status codes. */
    private static void mapExceptions(RoutesConfig r) {
        r.exception(UnauthorizedException.class, (e, ctx) -> {
            ctx.header("WWW-Authenticate", "Bearer");
            error(ctx, 401, e.getMessage());
        });
        // Javalin's own (404 for an unknown path and the like): keep its status, answer in JSON.
        r.exception(HttpResponseException.class, (e, ctx) -> error(ctx, e.getStatus(), e.getMessage()));
        r.exception(NotConfiguredException.class, (e, ctx) -> error(ctx, 404, e.getMessage()));
        r.exception(NoBackupException.class, (e, ctx) -> error(ctx, 404, e.getMessage()));
        r.exception(RevisionGapException.class, (e, ctx) -> error(ctx, 409, e.getMessage()));
        r.exception(LeaderForwarder.UpstreamException.class, (e, ctx) -> error(ctx, e.status(), e.getMessage()));
        r.exception(IllegalArgumentException.class, (e, ctx) -> error(ctx, 400, e.getMessage()));
        r.exception(IllegalStateException.class, (e, ctx) -> error(ctx, 503, e.getMessage()));
        r.exception(Exception.class, (e, ctx) -> {
            Throwable cause = e;
            // takeFullNow runs on the capture's control thread: report what failed there.
            while ((cause instanceof ExecutionException || cause instanceof CompletionException) && cause.getCause() != null) {
                cause = cause.getCause();
            }
            if (cause instanceof IllegalArgumentException) {
                error(ctx, 400, cause.getMessage());
            } else if (cause instanceof IllegalStateException) {
                error(ctx, 503, cause.getMessage());
            } else {
                LOG.warn("request failed method={} path={} error={}", ctx.method(), ctx.path(), cause.toString());
                error(ctx, 500, oneLine(cause));
            }
        });
    }

    private Handler mutation(Handler handler) {
        return ctx -> {
            if (token != null) {
                String header = Optional.ofNullable(ctx.header("Authorization")).orElse("");
                byte[] presented = header.startsWith("Bearer ")
                        ? header.substring("Bearer ".length()).trim().getBytes(StandardCharsets.UTF_8) : new byte[0];
                if (!MessageDigest.isEqual(presented, token)) {
                    throw new UnauthorizedException();
                }
            }
            handler.handle(ctx);
        };
    }

    /** Runs {@code handler} here while the local member leads; forwards the request otherwise. */
    private Handler leaderOnly(Duration forwardTimeout, Handler handler) {
        return ctx -> {
            if (gate.isLeader()) {
                handler.handle(ctx);
            } else {
                forwarder.forward(ctx, forwardTimeout);
            }
        };
    }

    /** The point a restore-plan request names: {@code revision=N}, {@code time=INSTANT}, or neither (latest). */
    static RestorePoint restorePoint(Context ctx) {
        return RestorePoint.of(ctx.queryParam("revision"), ctx.queryParam("time"));
    }

    private Map<String, Object> plan(RestorePoint point) throws IOException {
        RestorePlan plan = BackupSources.planner(catalog).plan(point);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("point", point.toString());
        body.put("generation", plan.generation());
        body.put("base", full(plan.full()));
        body.put("deltas", plan.deltas().stream().map(HttpApi::delta).toList());
        body.put("objects", plan.objectCount());
        body.put("bytes", plan.totalBytes());
        body.put("targetRevision", plan.targetRevision());
        body.put("exact", plan.exact());
        body.put("revisionsToReplay", RestoreEstimate.revisionsToReplay(plan));
        body.put("estimatedSeconds", RestoreEstimate.DEFAULT.of(plan).toSeconds());
        return body;
    }

    private InitializationService initialization() {
        return member.initialization().orElseThrow(() -> new NotConfiguredException(
                "/initialization needs the server's --data-dir (the data directory of the etcd member beside it)"));
    }

    private void initializationStart(Context ctx) {
        String mode = Optional.ofNullable(ctx.queryParam("mode")).orElse("full");
        ValidationMode validation;
        try {
            validation = ValidationMode.parse(mode);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("query parameter mode must be sanity or full, got \"" + mode + "\"");
        }
        boolean started = initialization().start(validation);
        ctx.status(200).contentType("text/plain").result(started ? "initialization started" : "initialization already in progress");
    }

    private ContinuousBackup backup() {
        return gate.active().orElseThrow(() -> new IllegalStateException("capture has not started yet"));
    }

    private void referenceFull(Context ctx) throws Exception {
        boolean isFinal = booleanParam(ctx, "final");
        json(ctx, 200, referenceFull(backup().takeFullNow(), isFinal));
    }

    private void referenceDelta(Context ctx) throws Exception {
        Optional<DeltaSegmentRef> delta = backup().takeDeltaNow(DELTA_TIMEOUT);
        if (delta.isEmpty()) {
            ctx.status(204); // nothing changed in etcd since capture started: no delta exists
            return;
        }
        json(ctx, 200, referenceDelta(delta.get()));
    }

    private void referenceLatest(Context ctx) throws IOException {
        Optional<Generation> generation = catalog.latestRestorable();
        if (generation.isEmpty()) {
            error(ctx, 404, "no full snapshot in " + catalog.store().location());
            return;
        }
        FullSnapshotRef full = generation.get().latestFull().orElseThrow();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("fullSnapshot", referenceFull(full, false));
        body.put("deltaSnapshots", generation.get().deltasAfter(full.revision()).stream().map(HttpApi::referenceDelta).toList());
        json(ctx, 200, body);
    }

    private void health(Context ctx) throws JsonProcessingException {
        boolean healthy = gate.isHealthy();
        json(ctx, healthy ? 200 : 503, Map.of("health", healthy));
    }

    private Map<String, Object> status() {
        LeaderGatedBackup.View view = gate.view();
        Optional<ContinuousBackup> backup = gate.active();
        MeteredObjectStore.Health store = storeHealth.get();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("role", view.role().name());
        body.put("healthy", gate.isHealthy());
        body.put("memberId", view.status().map(st -> Long.toHexString(st.memberId())).orElse(null));
        body.put("leaderId", view.status().map(st -> Long.toHexString(st.leaderId())).orElse(null));
        body.put("clusterSize", view.clusterSize());
        body.put("etcdError", view.error().orElse(null));
        body.put("advertisedUrl", gate.advertisedUrl().orElse(null));
        body.put("capturing", backup.map(ContinuousBackup::isCapturing).orElse(false));
        body.put("generation", backup.flatMap(ContinuousBackup::generation).orElse(null));
        body.put("lastPublishedRevision", backup.map(ContinuousBackup::lastPublishedRevision).orElse(0L));
        body.put("latestFullRevision", backup.flatMap(ContinuousBackup::latestFull).map(FullSnapshotRef::revision).orElse(null));
        body.put("latestFullCreatedAt", backup.flatMap(ContinuousBackup::latestFull).map(f -> f.createdAt().toString()).orElse(null));
        body.put("lastDeltaRevision", backup.flatMap(ContinuousBackup::lastDelta).map(DeltaSegmentRef::lastRevision).orElse(null));
        body.put("secondsSinceLastDelta", backup.flatMap(ContinuousBackup::lastDeltaPublishedAt)
                .map(t -> Duration.between(t, clock.instant()).toMillis() / 1000.0).orElse(null));
        body.put("recoveryPointLagSeconds", backup.flatMap(ContinuousBackup::recoveryPointLag)
                .map(lag -> lag.toMillis() / 1000.0).orElse(null));
        body.put("catalogEpoch", writer().epoch());
        body.put("storeHealthy", store.healthy());
        body.put("storeError", store.lastError().orElse(null));
        body.put("failure", backup.flatMap(ContinuousBackup::failure).map(HttpApi::oneLine).orElse(null));
        backup.ifPresent(b -> {
            ChainStats chain = b.chain();
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("segments", chain.segments());
            c.put("events", chain.events());
            c.put("bytes", chain.bytes());
            c.put("revisions", chain.revisions());
            c.put("predictedRestoreSeconds", chain.predictedRestore().toSeconds());
            body.put("chain", c);
            b.lastCompaction().ifPresent(last -> {
                Map<String, Object> l = new LinkedHashMap<>();
                l.put("finishedAt", last.finishedAt().toString());
                l.put("trigger", last.trigger());
                l.put("succeeded", last.failure().isEmpty());
                l.put("revision", last.result().flatMap(Compactor.Result::full).map(FullSnapshotRef::revision).orElse(null));
                l.put("deltasFolded", last.result().map(Compactor.Result::deltasFolded).orElse(null));
                l.put("seconds", last.result().map(r -> r.took().toMillis() / 1000.0).orElse(null));
                l.put("failure", last.failure().orElse(null));
                body.put("lastCompaction", l);
            });
        });
        member.initialization().ifPresent(init -> body.put("initialization", initializationStatus(init)));
        drills.ifPresent(d -> body.put("drill", DrillStatus.of(d, clock)));
        return body;
    }

    private static Map<String, Object> initializationStatus(InitializationService init) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("state", init.peek().name());
        init.lastOutcome().ifPresent(o -> {
            body.put("lastDecision", o.decision().name());
            body.put("lastSuccessful", o.successful());
            body.put("lastReason", o.reason());
        });
        RestoreProgress.Snapshot restore = init.restoreProgress();
        Map<String, Object> progress = new LinkedHashMap<>();
        progress.put("phase", restore.phase().name());
        progress.put("bytesFetched", restore.bytesFetched());
        progress.put("totalBytes", restore.totalBytes());
        progress.put("revision", restore.revision());
        progress.put("targetRevision", restore.targetRevision());
        progress.put("revisionsPerSecond", Math.round(restore.revisionsPerSecond()));
        progress.put("etaSeconds", restore.eta().map(Duration::toSeconds).orElse(null));
        progress.put("elapsedSeconds", restore.elapsed().toSeconds());
        body.put("restore", progress);
        return body;
    }

    private CatalogWriter writer() {
        return catalog.writer().orElseThrow(() -> new IllegalArgumentException("the HTTP API needs a writable catalog"));
    }

    static boolean booleanParam(Context ctx, String name) {
        String value = ctx.queryParam(name);
        if (value == null || value.equals("false")) {
            return false;
        }
        if (value.equals("true")) {
            return true;
        }
        throw new IllegalArgumentException("query parameter " + name + " must be true or false, got \"" + value + "\"");
    }

    /** The reference's snapshot JSON for one of our full snapshots (full snapshots hold everything from revision 0). */
    static Map<String, Object> referenceFull(FullSnapshotRef full, boolean isFinal) {
        return referenceSnapshot("Full", 0, full.revision(), full.createdAt(), full.key(), full.generation(), isFinal);
    }

    static Map<String, Object> referenceDelta(DeltaSegmentRef delta) {
        return referenceSnapshot("Incr", delta.firstRevision(), delta.lastRevision(), delta.publishedAt(), delta.key(),
                delta.generation(), false);
    }

    private static Map<String, Object> referenceSnapshot(String kind, long start, long last, Instant createdOn, String key,
                                                         String generation, boolean isFinal) {
        int slash = key.lastIndexOf('/');
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("kind", kind);
        body.put("startRevision", start);
        body.put("lastRevision", last);
        body.put("createdOn", createdOn.toString());
        body.put("snapDir", slash < 0 ? "" : key.substring(0, slash));
        body.put("snapName", key.substring(slash + 1));
        body.put("prefix", io.etcdbackup.snapshot.catalog.BackupLayout.generationPrefix(generation));
        body.put("compressionSuffix", "");
        body.put("isChunk", false);
        body.put("isFinal", isFinal);
        return body;
    }

    static Map<String, Object> full(FullSnapshotRef full) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("key", full.key());
        body.put("generation", full.generation());
        body.put("revision", full.revision());
        body.put("createdAt", full.createdAt().toString());
        body.put("size", full.size());
        return body;
    }

    static Map<String, Object> delta(DeltaSegmentRef delta) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("key", delta.key());
        body.put("generation", delta.generation());
        body.put("firstRevision", delta.firstRevision());
        body.put("lastRevision", delta.lastRevision());
        body.put("publishedAt", delta.publishedAt().toString());
        body.put("size", delta.size());
        return body;
    }

    static Map<String, Object> generation(Generation generation) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", generation.id());
        body.put("lastRevision", generation.lastRevision());
        body.put("totalBytes", generation.totalBytes());
        body.put("fulls", generation.fulls().stream().map(HttpApi::full).toList());
        body.put("deltas", generation.deltas().stream().map(HttpApi::delta).toList());
        return body;
    }

    private static void json(Context ctx, int status, Object body) throws JsonProcessingException {
        ctx.status(status).contentType("application/json").result(JSON.writeValueAsString(body));
    }

    private static void error(Context ctx, int status, String message) {
        try {
            json(ctx, status, Map.of("error", message == null ? "" : message));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String oneLine(Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }

    private static String resource(String name) {
        try (InputStream in = HttpApi.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("resource " + name + " missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stops listening (in-flight requests are given Jetty's graceful stop). */
    @Override
    public void close() {
        if (app != null) {
            app.stop();
        }
    }
}
