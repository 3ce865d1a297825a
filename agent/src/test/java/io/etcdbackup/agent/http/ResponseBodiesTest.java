package io.etcdbackup.agent.http;

import io.etcdbackup.agent.lifecycle.MemberReport;
import io.etcdbackup.agent.lifecycle.RunningPlan;
import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
import io.etcdbackup.snapshot.catalog.FullSnapshotRef;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The JSON of the API's bodies, to the byte: field names, order, and how absent values are
 * written, as the reference's controller (etcd-druid) and our clients read them.
 */
class ResponseBodiesTest {

    private static final FullSnapshotRef FULL = new FullSnapshotRef("backups/g1/full-0000000000000100", "g1", 100,
            Instant.parse("2026-11-22T10:00:00Z"), 1234);
    private static final DeltaSegmentRef DELTA = new DeltaSegmentRef("backups/g1/delta-101-110", "g1", 101, 110, 56,
            Instant.parse("2026-11-22T10:00:20.5Z"));

    @Test
    void aFullSnapshotInTheReferencesJson() {
        assertThat(Responses.json(ReferenceRoutes.Snapshot.of(FULL, true))).isEqualTo("{\"kind\":\"Full\",\"startRevision\":0,"
                + "\"lastRevision\":100,\"createdOn\":\"2026-11-22T10:00:00Z\",\"snapDir\":\"backups/g1\","
                + "\"snapName\":\"full-0000000000000100\",\"prefix\":\"" + io.etcdbackup.snapshot.catalog.BackupLayout.generationPrefix("g1")
                + "\",\"compressionSuffix\":\"\",\"isChunk\":false,\"isFinal\":true}");
    }

    @Test
    void aDeltaSegmentInTheReferencesJson() {
        assertThat(Responses.json(ReferenceRoutes.Snapshot.of(DELTA))).startsWith("{\"kind\":\"Incr\",\"startRevision\":101,"
                + "\"lastRevision\":110,\"createdOn\":\"2026-11-22T10:00:20.500Z\",\"snapDir\":\"backups/g1\","
                + "\"snapName\":\"delta-101-110\",").endsWith("\"compressionSuffix\":\"\",\"isChunk\":false,\"isFinal\":false}");
        assertThat(Responses.json(new ReferenceRoutes.Latest(ReferenceRoutes.Snapshot.of(FULL, false), List.of())))
                .startsWith("{\"fullSnapshot\":{\"kind\":\"Full\"").endsWith(",\"deltaSnapshots\":[]}");
        assertThat(Responses.json(new ReferenceRoutes.Health(false))).isEqualTo("{\"health\":false}");
    }

    @Test
    void catalogObjectsInOurJson() {
        assertThat(Responses.json(V1Routes.FullBody.of(FULL))).isEqualTo("{\"key\":\"backups/g1/full-0000000000000100\","
                + "\"generation\":\"g1\",\"revision\":100,\"createdAt\":\"2026-11-22T10:00:00Z\",\"size\":1234}");
        assertThat(Responses.json(V1Routes.DeltaBody.of(DELTA))).isEqualTo("{\"key\":\"backups/g1/delta-101-110\","
                + "\"generation\":\"g1\",\"firstRevision\":101,\"lastRevision\":110,\"publishedAt\":\"2026-11-22T10:00:20.500Z\",\"size\":56}");
        assertThat(Responses.json(new V1Routes.DeltaTaken(110, Map.of())))
                .as("no segment yet is an empty object").isEqualTo("{\"lastPublishedRevision\":110,\"segment\":{}}");
        assertThat(Responses.json(new V1Routes.PlanBody("latest", "g1", V1Routes.FullBody.of(FULL), List.of(V1Routes.DeltaBody.of(DELTA)),
                2, 1290, 110, false, 10, 6))).startsWith("{\"point\":\"latest\",\"generation\":\"g1\",\"base\":{\"key\"")
                .endsWith("\"size\":56}],\"objects\":2,\"bytes\":1290,\"targetRevision\":110,\"exact\":false,"
                        + "\"revisionsToReplay\":10,\"estimatedSeconds\":6}");
    }

    @Test
    void anErrorIsOneField() {
        assertThat(Responses.json(new Responses.ErrorBody("no"))).isEqualTo("{\"error\":\"no\"}");
    }

    @Test
    void statusWritesAbsentValuesAsNullAndLeavesOutPartsItDoesNotHave() {
        StatusBody status = new StatusBody("FOLLOWER", true, "a1", "b2", 3, null, null, false, null, 0, null, null, null, null,
                null, 4, true, null, null, null, null, null, null, null, null);
        assertThat(Responses.json(status)).isEqualTo("{\"role\":\"FOLLOWER\",\"healthy\":true,\"memberId\":\"a1\",\"leaderId\":\"b2\","
                + "\"clusterSize\":3,\"etcdError\":null,\"advertisedUrl\":null,\"capturing\":false,\"generation\":null,"
                + "\"lastPublishedRevision\":0,\"latestFullRevision\":null,\"latestFullCreatedAt\":null,\"lastDeltaRevision\":null,"
                + "\"secondsSinceLastDelta\":null,\"recoveryPointLagSeconds\":null,\"catalogEpoch\":4,\"storeHealthy\":true,"
                + "\"storeError\":null,\"failure\":null}");
    }

    @Test
    void theChainTheLastCompactionAndTheSecondStoreOfACapturingAgent() {
        StatusBody status = new StatusBody("LEADER", true, "a1", "a1", 1, null, "http://x:8080", true, "g1", 110, 100L,
                "2026-11-22T10:00:00Z", 110L, 1.5, 0.25, 4, true, null, null, new StatusBody.Chain(1, 9, 56, 10, 5),
                new StatusBody.LastCompaction("2026-11-22T10:01:00Z", "events", false, null, null, null, "java.io.IOException: x"),
                new StatusBody.Secondary("s3://dr-site/etcd", 100, 10, 42, "2026-11-22T10:00:30Z", null), null, null, null);
        assertThat(Responses.json(status)).endsWith("\"failure\":null,"
                + "\"chain\":{\"segments\":1,\"events\":9,\"bytes\":56,\"revisions\":10,\"predictedRestoreSeconds\":5},"
                + "\"lastCompaction\":{\"finishedAt\":\"2026-11-22T10:01:00Z\",\"trigger\":\"events\",\"succeeded\":false,"
                + "\"revision\":null,\"deltasFolded\":null,\"seconds\":null,\"failure\":\"java.io.IOException: x\"},"
                + "\"secondary\":{\"store\":\"s3://dr-site/etcd\",\"revision\":100,\"behindRevisions\":10,\"behindSeconds\":42,"
                + "\"lastSync\":\"2026-11-22T10:00:30Z\",\"lastError\":null}}")
                .contains("\"secondsSinceLastDelta\":1.5,\"recoveryPointLagSeconds\":0.25,");
    }

    @Test
    void initializationFlattensItsLastOutcomeAndLeavesItOutBeforeOne() {
        StatusBody.RestoreProgressBody progress = new StatusBody.RestoreProgressBody("DONE", 10, 10, 110, 110, 800, null, 3);
        assertThat(Responses.json(new StatusBody.Initialization("New", null, progress))).isEqualTo("{\"state\":\"New\","
                + "\"restore\":{\"phase\":\"DONE\",\"bytesFetched\":10,\"totalBytes\":10,\"revision\":110,\"targetRevision\":110,"
                + "\"revisionsPerSecond\":800,\"etaSeconds\":null,\"elapsedSeconds\":3}}");
        assertThat(Responses.json(new StatusBody.Initialization("New", new StatusBody.LastOutcome("RESTORE", true, "empty"), progress)))
                .startsWith("{\"state\":\"New\",\"lastDecision\":\"RESTORE\",\"lastSuccessful\":true,\"lastReason\":\"empty\","
                        + "\"restore\":{");
    }

    @Test
    void aDrillWithoutAReportWritesNulls() {
        assertThat(Responses.json(new DrillStatus("0 3 * * *", false, null, null, null, null))).isEqualTo("{\"schedule\":\"0 3 * * *\","
                + "\"running\":false,\"passedRevision\":null,\"passedAt\":null,\"passedAgeSeconds\":null,\"last\":null}");
        assertThat(Responses.json(new DrillStatus.Report("passed", "2026-11-22T10:00:00Z", "g1", 110L, 42L, null, null, 2.5)))
                .isEqualTo("{\"outcome\":\"passed\",\"finishedAt\":\"2026-11-22T10:00:00Z\",\"generation\":\"g1\",\"revision\":110,"
                        + "\"hash\":42,\"compactRevision\":null,\"detail\":null,\"seconds\":2.5}");
    }

    @Test
    void theMemberReconcilersReportWhileQuorumIsLost() {
        MemberReport report = new MemberReport(Optional.of("etcd-0"), new RunningPlan.Quorum(RunningPlan.Quorum.State.LOST, 3, 1,
                List.of("etcd-0")), Optional.empty(), Optional.empty(), Optional.empty(), Optional.of("quorum lost: 1 of 3 voters answer"),
                Instant.parse("2026-12-06T10:00:00Z"));
        assertThat(Responses.json(MemberBody.of(report))).isEqualTo("{\"member\":\"etcd-0\",\"quorum\":\"LOST\",\"voters\":3,"
                + "\"reachable\":1,\"survivors\":[\"etcd-0\"],\"promotion\":null,\"lastChange\":null,\"lastError\":null,"
                + "\"runbook\":\"quorum lost: 1 of 3 voters answer\",\"observedAt\":\"2026-12-06T10:00:00Z\"}");
    }
}
