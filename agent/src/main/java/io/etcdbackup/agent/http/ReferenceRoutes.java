package io.etcdbackup.agent.http;

import io.etcdbackup.agent.backup.ContinuousBackup;
import io.etcdbackup.agent.cluster.LeaderGatedBackup;
import io.etcdbackup.snapshot.catalog.BackupLayout;
import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
import io.etcdbackup.snapshot.catalog.FullSnapshotRef;
import io.etcdbackup.snapshot.catalog.Generation;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The reference sidecar's paths (gardener/etcd-backup-restore), with its JSON: {@code /snapshot/full},
 * {@code /snapshot/delta}, {@code /snapshot/latest}, {@code /healthz} and {@code /metrics}. Its
 * controller calls them with any method, so the snapshot paths accept GET and POST.
 */
final class ReferenceRoutes {

    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final LeaderGatedBackup gate;
    private final Catalog catalog;
    private final PrometheusMeterRegistry registry;

    ReferenceRoutes(LeaderGatedBackup gate, Catalog catalog, PrometheusMeterRegistry registry) {
        this.gate = gate;
        this.catalog = catalog;
        this.registry = registry;
    }

    void register(RoutesConfig r, Access access) {
        Handler full = access.snapshotMutation(HttpApi.FORWARDED_FULL_TIMEOUT, this::full);
        Handler delta = access.snapshotMutation(HttpApi.FORWARDED_DELTA_TIMEOUT, this::delta);
        for (var route : List.of(new Route("/snapshot/full", full), new Route("/snapshot/delta", delta),
                new Route("/snapshot/latest", this::latest))) {
            r.get(route.path(), route.handler());
            r.post(route.path(), route.handler());
        }
        r.get("/healthz", this::health);
        r.get("/metrics", ctx -> ctx.contentType(PROMETHEUS_TEXT).result(registry.scrape()));
    }

    private record Route(String path, Handler handler) {
    }

    private void full(Context ctx) throws Exception {
        boolean isFinal = booleanParam(ctx, "final");
        Responses.json(ctx, 200, Snapshot.of(backup().takeFullNow(), isFinal));
    }

    private void delta(Context ctx) throws Exception {
        Optional<DeltaSegmentRef> delta = backup().takeDeltaNow(HttpApi.DELTA_TIMEOUT);
        if (delta.isEmpty()) {
            ctx.status(204); // nothing changed in etcd since capture started: no delta exists
            return;
        }
        Responses.json(ctx, 200, Snapshot.of(delta.get()));
    }

    private void latest(Context ctx) throws IOException {
        Optional<Generation> generation = catalog.latestRestorable();
        if (generation.isEmpty()) {
            Responses.error(ctx, 404, "no full snapshot in " + catalog.store().location());
            return;
        }
        FullSnapshotRef full = generation.get().latestFull().orElseThrow();
        Responses.json(ctx, 200, new Latest(Snapshot.of(full, false),
                generation.get().deltasAfter(full.revision()).stream().map(Snapshot::of).toList()));
    }

    private void health(Context ctx) {
        boolean healthy = gate.isHealthy();
        Responses.json(ctx, healthy ? 200 : 503, new Health(healthy));
    }

    private ContinuousBackup backup() {
        return gate.active().orElseThrow(() -> new IllegalStateException("capture has not started yet"));
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

    /**
     * The reference's snapshot JSON. Our objects are never chunked and their compression is in
     * the object, not the name, so {@code compressionSuffix} is empty and {@code isChunk} false.
     */
    record Snapshot(String kind, long startRevision, long lastRevision, String createdOn, String snapDir, String snapName,
                    String prefix, String compressionSuffix, boolean isChunk, boolean isFinal) {

        /** A full snapshot (holding everything from revision 0). */
        static Snapshot of(FullSnapshotRef full, boolean isFinal) {
            return of("Full", 0, full.revision(), full.createdAt(), full.key(), full.generation(), isFinal);
        }

        /** A delta segment. */
        static Snapshot of(DeltaSegmentRef delta) {
            return of("Incr", delta.firstRevision(), delta.lastRevision(), delta.publishedAt(), delta.key(), delta.generation(), false);
        }

        private static Snapshot of(String kind, long start, long last, Instant createdOn, String key, String generation,
                                   boolean isFinal) {
            int slash = key.lastIndexOf('/');
            return new Snapshot(kind, start, last, createdOn.toString(), slash < 0 ? "" : key.substring(0, slash),
                    key.substring(slash + 1), BackupLayout.generationPrefix(generation), "", false, isFinal);
        }
    }

    /** {@code /snapshot/latest}: the newest restorable full snapshot and the segments after it. */
    record Latest(Snapshot fullSnapshot, List<Snapshot> deltaSnapshots) {
    }

    /** {@code /healthz}. */
    record Health(boolean health) {
    }
}
