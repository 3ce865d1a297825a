package io.etcdbackup.agent.http;

import io.etcdbackup.agent.cluster.LeaderGatedBackup;
import io.etcdbackup.agent.drill.DrillRunner;
import io.etcdbackup.agent.lifecycle.MemberReconciler;
import io.etcdbackup.agent.member.EtcdConfigService;
import io.etcdbackup.agent.member.InitializationService;
import io.etcdbackup.agent.metrics.DrillGauges;
import io.etcdbackup.agent.metrics.LifecycleGauges;
import io.etcdbackup.agent.metrics.StateGauges;
import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.snapshot.catalog.CatalogWriter;
import io.etcdbackup.stores.metrics.MeteredObjectStore;
import io.javalin.Javalin;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The sidecar's HTTP API: the reference's compatibility paths ({@link ReferenceRoutes}: {@code /snapshot/*},
 * {@code /healthz}, {@code /metrics}), its member-lifecycle paths ({@link MemberRoutes}:
 * {@code /initialization/*}, {@code /config}) and our versioned API ({@link V1Routes}: {@code /v1/}).
 * Who may call what is decided in one place ({@link Access}: mutations need the bearer token when
 * one is configured; snapshot requests that reach a follower's agent are forwarded to the
 * leader's), and so are failures ({@link ApiErrors}: exceptions become status codes; handlers
 * only throw). Bodies are records serialised as JSON ({@link Responses}).
 */
public final class HttpApi implements AutoCloseable {

    /** How long an on-demand delta waits for the watch to deliver etcd's current revision. */
    static final Duration DELTA_TIMEOUT = Duration.ofSeconds(60);
    /** How long a forwarded request may take: the reference controller's own timeouts (900 s / 60 s). */
    static final Duration FORWARDED_FULL_TIMEOUT = Duration.ofSeconds(900);
    static final Duration FORWARDED_DELTA_TIMEOUT = DELTA_TIMEOUT.plusSeconds(10);

    /**
     * @param port  port to listen on (0 picks a free one)
     * @param token bearer token mutations and reads of keys must present; empty for none (then keys are not served)
     * @param tls   PEM certificate and key to serve HTTPS with (reloaded when they change); empty
     *              for plain HTTP
     * @param keysScratch where {@code /v1/keys} downloads a full snapshot while it reads its keys
     */
    public record Settings(int port, Optional<String> token, Optional<Tls> tls, Path keysScratch) {
        public Settings {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("server port must be 0..65535, got " + port);
            }
            Objects.requireNonNull(token, "token");
            Objects.requireNonNull(tls, "tls");
            Objects.requireNonNull(keysScratch, "keysScratch");
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

    /**
     * The server's certificate and key files (PEM).
     *
     * @param forwardingCa the CA of the other agents' API certificates, trusted besides the JVM's
     *                     CAs when forwarding to the leader's agent ({@link ForwardingTrust})
     */
    public record Tls(Path certFile, Path keyFile, Optional<Path> forwardingCa) {
        public Tls(Path certFile, Path keyFile) {
            this(certFile, keyFile, Optional.empty());
        }
    }

    /**
     * The member-lifecycle endpoints of the reference, each present only when configured.
     *
     * @param initialization {@code /initialization/*} (needs the server's data dir)
     * @param config         {@code /config} (needs the etcd configuration template)
     * @param reconciler     the member reconciler, reported in {@code /v1/status} and the metrics (needs {@code --service-endpoints})
     */
    public record MemberEndpoints(Optional<InitializationService> initialization, Optional<EtcdConfigService> config,
                                  Optional<MemberReconciler> reconciler) {
        public static MemberEndpoints none() {
            return new MemberEndpoints(Optional.empty(), Optional.empty(), Optional.empty());
        }
    }

    private final Settings settings;
    private final Access access;
    private final ReferenceRoutes reference;
    private final MemberRoutes member;
    private final V1Routes v1;
    private final KeyRoutes keys;
    private Javalin app;

    /**
     * Registers the state and drill gauges on {@code registry}, which {@code /metrics} renders.
     *
     * @param gate        who writes: snapshot requests run here while the local member leads
     *                    and are forwarded otherwise
     * @param catalog     the store's catalog; it must be writable (its writer's epoch is reported)
     * @param storeHealth how the store's calls fared lately, for {@code /v1/status}
     * @param drills      the scheduled restore drills, when configured: in {@code /v1/status} and the metrics
     * @throws IllegalArgumentException if {@code catalog} is not writable
     */
    public HttpApi(LeaderGatedBackup gate, Catalog catalog, Supplier<MeteredObjectStore.Health> storeHealth,
                   MemberEndpoints member, Optional<DrillRunner> drills, PrometheusMeterRegistry registry, Settings settings,
                   Clock clock) {
        CatalogWriter writer = catalog.writer().orElseThrow(() -> new IllegalArgumentException("the HTTP API needs a writable catalog"));
        this.settings = settings;
        this.access = new Access(settings.token(), gate,
                settings.tls().flatMap(Tls::forwardingCa).map(ForwardingTrust::withExtraCa));
        this.reference = new ReferenceRoutes(gate, catalog, registry);
        this.member = new MemberRoutes(member);
        this.v1 = new V1Routes(gate, catalog,
                () -> StatusBody.of(gate, storeHealth.get(), writer.epoch(), member.initialization(), drills, member.reconciler(), clock),
                resource("openapi.json"));
        this.keys = new KeyRoutes(catalog, settings.keysScratch());
        StateGauges.register(registry, gate, writer);
        drills.ifPresent(d -> DrillGauges.register(registry, d, clock));
        member.reconciler().ifPresent(r -> LifecycleGauges.register(registry, r));
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
            reference.register(config.routes, access);
            member.register(config.routes, access);
            v1.register(config.routes, access);
            keys.register(config.routes, access);
            ApiErrors.install(config.routes);
        });
        app.start();
        return app.port();
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
        keys.close();
    }
}
