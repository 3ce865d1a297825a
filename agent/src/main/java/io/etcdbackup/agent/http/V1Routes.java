package io.etcdbackup.agent.http;

import io.etcdbackup.agent.backup.ContinuousBackup;
import io.etcdbackup.agent.cluster.LeaderGatedBackup;
import io.etcdbackup.agent.restore.BackupSources;
import io.etcdbackup.restore.RestoreEstimate;
import io.etcdbackup.restore.RestorePlan;
import io.etcdbackup.restore.RestorePoint;
import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
import io.etcdbackup.snapshot.catalog.FullSnapshotRef;
import io.etcdbackup.snapshot.catalog.Generation;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Our versioned API under {@code /v1/}: status, catalog, on-demand snapshots, restore plans and
 * the OpenAPI document describing them ({@code openapi.json} beside this class).
 */
final class V1Routes {

    private final LeaderGatedBackup gate;
    private final Catalog catalog;
    private final Supplier<StatusBody> status;
    private final String openApi;

    /** @param status the body of {@code /v1/status}, taken per request */
    V1Routes(LeaderGatedBackup gate, Catalog catalog, Supplier<StatusBody> status, String openApi) {
        this.gate = gate;
        this.catalog = catalog;
        this.status = status;
        this.openApi = openApi;
    }

    void register(RoutesConfig r, Access access) {
        r.get("/v1/status", ctx -> Responses.json(ctx, 200, status.get()));
        r.get("/v1/catalog", ctx -> Responses.json(ctx, 200,
                new CatalogBody(catalog.generations().stream().map(GenerationBody::of).toList())));
        r.post("/v1/snapshots/full", access.snapshotMutation(HttpApi.FORWARDED_FULL_TIMEOUT,
                ctx -> Responses.json(ctx, 200, FullBody.of(backup().takeFullNow()))));
        r.post("/v1/snapshots/delta", access.snapshotMutation(HttpApi.FORWARDED_DELTA_TIMEOUT, this::delta));
        r.get("/v1/restore-plan", ctx -> Responses.json(ctx, 200, plan(restorePoint(ctx))));
        r.get("/v1/openapi.json", ctx -> ctx.contentType("application/json").result(openApi));
    }

    private void delta(Context ctx) throws Exception {
        ContinuousBackup backup = backup();
        Optional<DeltaSegmentRef> delta = backup.takeDeltaNow(HttpApi.DELTA_TIMEOUT);
        Responses.json(ctx, 200, new DeltaTaken(backup.state().lastPublishedRevision(),
                delta.<Object>map(DeltaBody::of).orElse(Map.of())));
    }

    private ContinuousBackup backup() {
        return gate.active().orElseThrow(() -> new IllegalStateException("capture has not started yet"));
    }

    /** The point a restore-plan request names: {@code revision=N}, {@code time=INSTANT}, or neither (latest). */
    static RestorePoint restorePoint(Context ctx) {
        return RestorePoint.of(ctx.queryParam("revision"), ctx.queryParam("time"));
    }

    private PlanBody plan(RestorePoint point) throws IOException {
        RestorePlan plan = BackupSources.planner(catalog).plan(point);
        return new PlanBody(point.toString(), plan.generation(), FullBody.of(plan.full()),
                plan.deltas().stream().map(DeltaBody::of).toList(), plan.objectCount(), plan.totalBytes(), plan.targetRevision(),
                plan.exact(), RestoreEstimate.revisionsToReplay(plan), RestoreEstimate.DEFAULT.of(plan).toSeconds());
    }

    /** A full snapshot of the catalog. */
    record FullBody(String key, String generation, long revision, String createdAt, long size) {
        static FullBody of(FullSnapshotRef full) {
            return new FullBody(full.key(), full.generation(), full.revision(), full.createdAt().toString(), full.size());
        }
    }

    /** A delta segment of the catalog. */
    record DeltaBody(String key, String generation, long firstRevision, long lastRevision, String publishedAt, long size) {
        static DeltaBody of(DeltaSegmentRef delta) {
            return new DeltaBody(delta.key(), delta.generation(), delta.firstRevision(), delta.lastRevision(),
                    delta.publishedAt().toString(), delta.size());
        }
    }

    /** A generation of the catalog with its objects. */
    record GenerationBody(String id, long lastRevision, long totalBytes, List<FullBody> fulls, List<DeltaBody> deltas) {
        static GenerationBody of(Generation generation) {
            return new GenerationBody(generation.id(), generation.lastRevision(), generation.totalBytes(),
                    generation.fulls().stream().map(FullBody::of).toList(), generation.deltas().stream().map(DeltaBody::of).toList());
        }
    }

    /** {@code /v1/catalog}. */
    record CatalogBody(List<GenerationBody> generations) {
    }

    /**
     * {@code /v1/snapshots/delta}: the last revision durable afterwards and the newest segment
     * ({@code {}} when none was ever published by this agent).
     */
    record DeltaTaken(long lastPublishedRevision, Object segment) {
    }

    /** {@code /v1/restore-plan}: what a restore to {@code point} would read and replay. */
    record PlanBody(String point, String generation, FullBody base, List<DeltaBody> deltas, int objects, long bytes,
                    long targetRevision, boolean exact, long revisionsToReplay, long estimatedSeconds) {
    }
}
