package io.etcdbackup.agent.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import io.etcdbackup.agent.backup.BackupState;
import io.etcdbackup.agent.backup.SecondarySite;
import io.etcdbackup.agent.backup.ChainStats;
import io.etcdbackup.agent.backup.CompactionOutcome;
import io.etcdbackup.agent.cluster.LeaderGatedBackup;
import io.etcdbackup.agent.drill.DrillRunner;
import io.etcdbackup.agent.lifecycle.MemberReconciler;
import io.etcdbackup.agent.member.InitializationService;
import io.etcdbackup.compaction.Compactor;
import io.etcdbackup.restore.RestoreProgress;
import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
import io.etcdbackup.snapshot.catalog.FullSnapshotRef;
import io.etcdbackup.stores.metrics.MeteredObjectStore;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * {@code /v1/status}: this agent's role, its backup's state, the store's health, and, when
 * present, the chain, the last compaction, the second store, initialization, drills and the member reconciler. Fields without a value are
 * {@code null}; the objects of parts this agent does not have are left out.
 */
record StatusBody(String role, boolean healthy, String memberId, String leaderId, int clusterSize, String etcdError,
                  String advertisedUrl, boolean capturing, String generation, long lastPublishedRevision, Long latestFullRevision,
                  String latestFullCreatedAt, Long lastDeltaRevision, Double secondsSinceLastDelta, Double recoveryPointLagSeconds,
                  long catalogEpoch, boolean storeHealthy, String storeError, String failure,
                  @JsonInclude(JsonInclude.Include.NON_NULL) Chain chain,
                  @JsonInclude(JsonInclude.Include.NON_NULL) LastCompaction lastCompaction,
                  @JsonInclude(JsonInclude.Include.NON_NULL) Secondary secondary,
                  @JsonInclude(JsonInclude.Include.NON_NULL) Initialization initialization,
                  @JsonInclude(JsonInclude.Include.NON_NULL) DrillStatus drill,
                  @JsonInclude(JsonInclude.Include.NON_NULL) MemberBody member) {

    /**
     * The status now: {@code gate}'s view and its backup's state (if one runs), the store's
     * health, the catalog writer's {@code epoch}, and the optional parts; durations are measured
     * on {@code clock}.
     */
    static StatusBody of(LeaderGatedBackup gate, MeteredObjectStore.Health store, long epoch,
                         Optional<InitializationService> initialization, Optional<DrillRunner> drills,
                         Optional<MemberReconciler> reconciler, Clock clock) {
        LeaderGatedBackup.View view = gate.view();
        Optional<BackupState> backup = gate.backupState();
        return new StatusBody(view.role().name(), gate.isHealthy(),
                view.status().map(st -> Long.toHexString(st.memberId())).orElse(null),
                view.status().map(st -> Long.toHexString(st.leaderId())).orElse(null),
                view.clusterSize(), view.error().orElse(null), gate.advertisedUrl().orElse(null),
                backup.map(BackupState::capturing).orElse(false),
                backup.flatMap(BackupState::generation).orElse(null),
                backup.map(BackupState::lastPublishedRevision).orElse(0L),
                backup.flatMap(BackupState::latestFull).map(FullSnapshotRef::revision).orElse(null),
                backup.flatMap(BackupState::latestFull).map(f -> f.createdAt().toString()).orElse(null),
                backup.flatMap(BackupState::lastDelta).map(DeltaSegmentRef::lastRevision).orElse(null),
                backup.flatMap(BackupState::lastDeltaPublishedAt).map(t -> Duration.between(t, clock.instant()).toMillis() / 1000.0)
                        .orElse(null),
                backup.flatMap(BackupState::recoveryPointLag).map(lag -> lag.toMillis() / 1000.0).orElse(null),
                epoch, store.healthy(), store.lastError().orElse(null),
                backup.flatMap(BackupState::failure).map(Responses::oneLine).orElse(null),
                backup.map(b -> Chain.of(b.chain())).orElse(null),
                backup.flatMap(BackupState::lastCompaction).map(LastCompaction::of).orElse(null),
                backup.flatMap(BackupState::secondary).map(Secondary::of).orElse(null),
                initialization.map(Initialization::of).orElse(null),
                drills.map(d -> DrillStatus.of(d, clock)).orElse(null),
                reconciler.map(r -> MemberBody.of(r.report())).orElse(null));
    }

    /** The second store kept in sync: where, the revision it holds, and how far behind it is (revisions, seconds). */
    record Secondary(String store, long revision, long behindRevisions, long behindSeconds, String lastSync, String lastError) {
        static Secondary of(SecondarySite.Status status) {
            return new Secondary(status.location(), status.revision(), status.behindRevisions(), status.behindSeconds(),
                    status.lastSync().map(Object::toString).orElse(null), status.lastError().orElse(null));
        }
    }

    /** The chain a restore of the latest state replays. */
    record Chain(int segments, long events, long bytes, long revisions, long predictedRestoreSeconds) {
        static Chain of(ChainStats chain) {
            return new Chain(chain.segments(), chain.events(), chain.bytes(), chain.revisions(), chain.predictedRestore().toSeconds());
        }
    }

    /** The last compaction: its base's revision, segments folded and duration when it succeeded, its failure if not. */
    record LastCompaction(String finishedAt, String trigger, boolean succeeded, Long revision, Integer deltasFolded, Double seconds,
                          String failure) {
        static LastCompaction of(CompactionOutcome last) {
            return new LastCompaction(last.finishedAt().toString(), last.trigger(), last.failure().isEmpty(),
                    last.result().flatMap(Compactor.Result::full).map(FullSnapshotRef::revision).orElse(null),
                    last.result().map(Compactor.Result::deltasFolded).orElse(null),
                    last.result().map(r -> r.took().toMillis() / 1000.0).orElse(null),
                    last.failure().orElse(null));
        }
    }

    /** Initialization's state, its last outcome (left out before one) and the restore's progress. */
    record Initialization(String state, @JsonUnwrapped LastOutcome lastOutcome, RestoreProgressBody restore) {
        static Initialization of(InitializationService init) {
            return new Initialization(init.peek().name(),
                    init.lastOutcome().map(o -> new LastOutcome(o.decision(), o.successful(), o.reason())).orElse(null),
                    RestoreProgressBody.of(init.restoreProgress()));
        }
    }

    /** The last initialization's decision, whether it succeeded, and why. */
    record LastOutcome(String lastDecision, boolean lastSuccessful, String lastReason) {
    }

    /** How far a restore got. */
    record RestoreProgressBody(String phase, long bytesFetched, long totalBytes, long revision, long targetRevision,
                               long revisionsPerSecond, Long etaSeconds, long elapsedSeconds) {
        static RestoreProgressBody of(RestoreProgress.Snapshot restore) {
            return new RestoreProgressBody(restore.phase().name(), restore.bytesFetched(), restore.totalBytes(), restore.revision(),
                    restore.targetRevision(), Math.round(restore.revisionsPerSecond()), restore.eta().map(Duration::toSeconds).orElse(null),
                    restore.elapsed().toSeconds());
        }
    }
}
