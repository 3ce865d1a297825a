package io.etcdbackup.snapshot.retention;

import io.etcdbackup.snapshot.catalog.BackupLayout;
import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
import io.etcdbackup.snapshot.catalog.FullSnapshotRef;
import io.etcdbackup.snapshot.catalog.Generation;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static io.etcdbackup.snapshot.retention.Backups.at;
import static io.etcdbackup.snapshot.retention.Backups.instants;
import static io.etcdbackup.snapshot.retention.Backups.keptFullTimes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The rules every policy obeys, shown with whichever policy makes them visible. */
class CommonRulesTest {

    private static final String G1 = "20261101T000000000Z-0001";
    private static final String G2 = "20261110T000000000Z-0002";
    private static final String G3 = "20261120T000000000Z-0003";
    private static final Instant NOW = at("2026-11-22T10:30:00Z");

    @Test
    void aFullSnapshotDeletedBetweenKeptPointsLeavesItsDeltaSegmentsForPointInTimeRestore() {
        Generation g = new Backups.Writer(G1, 100)
                .full(at("2026-11-19T23:00:00Z")).delta(at("2026-11-20T02:00:00Z"), 50).delta(at("2026-11-20T05:00:00Z"), 50)
                .full(at("2026-11-20T05:00:00Z")).delta(at("2026-11-20T12:00:00Z"), 50).delta(at("2026-11-20T23:00:00Z"), 50)
                .full(at("2026-11-20T23:00:00Z")).delta(at("2026-11-22T10:20:00Z"), 50)
                .build();

        RetentionDecision decision = RetentionPolicies.exponential().decide(List.of(g), NOW);

        assertThat(decision.deletedKeys()).containsExactly(g.fulls().get(1).key());
        assertThat(decision.keptDeltas()).containsExactlyElementsOf(g.deltas());
    }

    @Test
    void segmentsBeforeTheOldestKeptFullSnapshotGoAndOneStraddlingItStays() {
        Generation g = new Backups.Writer(G1, 100)
                .full(at("2026-11-22T08:00:00Z")).delta(at("2026-11-22T08:30:00Z"), 80)  // 101-180
                .delta(at("2026-11-22T09:00:00Z"), 40)                                    // 181-220
                .full(at("2026-11-22T08:59:00Z"), 200)                                    // a lower bound inside 181-220
                .delta(at("2026-11-22T09:30:00Z"), 80)                                    // 221-300
                .build();

        RetentionDecision decision = RetentionPolicies.limitBased(1).decide(List.of(g), NOW);

        assertThat(decision.deletedKeys()).containsExactly(g.fulls().get(0).key(), BackupLayout.deltaKey(G1, 101, 180));
        assertThat(decision.keptDeltas()).extracting(DeltaSegmentRef::key)
                .containsExactly(BackupLayout.deltaKey(G1, 181, 220), BackupLayout.deltaKey(G1, 221, 300));
    }

    @Test
    void theNewestGenerationIsKeptWholeBeforeItsFirstFullSnapshotAndTheChainBeforeItToo() {
        Generation g1 = new Backups.Writer(G1, 100)
                .full(at("2026-11-22T08:00:00Z")).delta(at("2026-11-22T08:30:00Z"), 10)
                .full(at("2026-11-22T09:00:00Z")).delta(at("2026-11-22T09:30:00Z"), 10)
                .build();
        Generation starting = new Backups.Writer(G2, 500).delta(at("2026-11-22T10:10:00Z"), 10).build();
        Generation onlyItsFile = new Generation(G3, List.of(), List.of());

        RetentionDecision decision = RetentionPolicies.limitBased(1).withDeltaRetention(Duration.ZERO)
                .decide(List.of(g1, starting, onlyItsFile), NOW);

        assertThat(keptFullTimes(decision)).containsExactlyElementsOf(instants("2026-11-22T09:00:00Z"));
        assertThat(decision.keptDeltas()).containsExactly(g1.deltas().get(1), starting.deltas().get(0));
        assertThat(decision.deletedGenerations()).isEmpty();
    }

    @Test
    void anOlderGenerationThatNeverPublishedAFullSnapshotIsDeletedWhole() {
        Generation g1 = new Backups.Writer(G1, 100).full(at("2026-11-22T07:00:00Z")).delta(at("2026-11-22T07:30:00Z"), 10).build();
        Generation failed = new Backups.Writer(G2, 100).delta(at("2026-11-22T08:10:00Z"), 10).build();
        Generation g3 = new Backups.Writer(G3, 100).full(at("2026-11-22T09:00:00Z")).build();

        RetentionDecision decision = RetentionPolicies.limitBased(2).decide(List.of(g1, failed, g3), NOW);

        assertThat(decision.deletedGenerations()).containsExactly(G2);
        assertThat(decision.deletedKeys()).containsExactly(failed.deltas().get(0).key(), BackupLayout.generationInfoKey(G2));
        assertThat(keptFullTimes(decision)).hasSize(2);
    }

    @Test
    void theNewestFullSnapshotStaysEvenWhenItsClockWasBehindOlderOnes() {
        // A leader with a slow clock wrote the newest full snapshot; LimitBased(1) by age would pick the other one.
        Generation g1 = new Backups.Writer(G1, 100).full(at("2026-11-22T09:00:00Z")).build();
        Generation g2 = new Backups.Writer(G2, 100).full(at("2026-11-22T08:00:00Z")).delta(at("2026-11-22T08:10:00Z"), 5).build();

        RetentionDecision decision = RetentionPolicies.limitBased(1).decide(List.of(g1, g2), NOW);

        assertThat(decision.keptFulls()).containsExactly(g1.fulls().get(0), g2.fulls().get(0));
        assertThat(decision.keptDeltas()).containsExactlyElementsOf(g2.deltas());
    }

    @Test
    void deltaSegmentsWithoutAPublicationTimeNeverExpire() {
        Generation g = new Generation(G1,
                List.of(full(G1, 100, "2026-11-01T00:00:00Z"), full(G1, 300, "2026-11-22T10:00:00Z")),
                List.of(new DeltaSegmentRef(BackupLayout.deltaKey(G1, 101, 200), G1, 101, 200, 1, null),
                        new DeltaSegmentRef(BackupLayout.deltaKey(G1, 201, 300), G1, 201, 300, 1, at("2026-11-01T01:00:00Z"))));

        RetentionDecision decision = RetentionPolicies.limitBased(2).withDeltaRetention(Duration.ofDays(1)).decide(List.of(g), NOW);

        assertThat(decision.keptDeltas()).extracting(DeltaSegmentRef::firstRevision).containsExactly(101L);
        assertThat(decision.reasonFor(BackupLayout.deltaKey(G1, 201, 300))).hasValue("published before 2026-11-21T10:30:00Z (delta retention PT24H)");
    }

    @Test
    void theDecisionDoesNotDependOnTheOrderOfItsInput() {
        List<Generation> catalog = List.of(
                Backups.hourly(G1, at("2026-11-01T00:00:00Z"), at("2026-11-09T12:00:00Z")),
                Backups.hourly(G2, at("2026-11-10T00:00:00Z"), at("2026-11-22T10:20:00Z")));
        List<Generation> shuffled = new ArrayList<>();
        Random random = new Random(7);
        for (Generation g : catalog) {
            List<FullSnapshotRef> f = new ArrayList<>(g.fulls());
            List<DeltaSegmentRef> d = new ArrayList<>(g.deltas());
            Collections.shuffle(f, random);
            Collections.shuffle(d, random);
            shuffled.add(0, new Generation(g.id(), f, d));
        }
        RetentionPolicy policy = RetentionPolicies.exponential();

        assertThat(policy.decide(shuffled, NOW)).isEqualTo(policy.decide(catalog, NOW));
    }

    @Test
    void deletionsComeOldestGenerationFirstThenFullsThenDeltasThenTheGenerationFile() {
        Generation g1 = new Backups.Writer(G1, 100).full(at("2026-11-01T00:00:00Z")).delta(at("2026-11-01T00:10:00Z"), 5)
                .full(at("2026-11-01T01:00:00Z")).delta(at("2026-11-01T01:10:00Z"), 5).build();
        Generation g2 = new Backups.Writer(G2, 100).full(at("2026-11-10T00:00:00Z")).delta(at("2026-11-10T00:10:00Z"), 5)
                .full(at("2026-11-22T10:00:00Z")).build();

        RetentionDecision decision = RetentionPolicies.limitBased(1).decide(List.of(g2, g1), NOW);

        assertThat(decision.deletions()).extracting(RetentionDecision.Deletion::type, RetentionDecision.Deletion::generation).containsExactly(
                org.assertj.core.groups.Tuple.tuple(BackupLayout.KeyType.FULL, G1), org.assertj.core.groups.Tuple.tuple(BackupLayout.KeyType.FULL, G1),
                org.assertj.core.groups.Tuple.tuple(BackupLayout.KeyType.DELTA, G1), org.assertj.core.groups.Tuple.tuple(BackupLayout.KeyType.DELTA, G1),
                org.assertj.core.groups.Tuple.tuple(BackupLayout.KeyType.GENERATION_INFO, G1),
                org.assertj.core.groups.Tuple.tuple(BackupLayout.KeyType.FULL, G2), org.assertj.core.groups.Tuple.tuple(BackupLayout.KeyType.DELTA, G2));
    }

    @Test
    void anEmptyCatalogDeletesNothing() {
        assertThat(RetentionPolicies.exponential().decide(List.of(), NOW).deletesNothing()).isTrue();
        assertThat(RetentionPolicies.limitBased(1).decide(List.of(new Generation(G1, List.of(), List.of())), NOW).deletesNothing()).isTrue();
    }

    @Test
    void rejectsInconsistentInputNamingTheCulprit() {
        Generation g = new Backups.Writer(G1, 100).full(at("2026-11-22T09:00:00Z")).build();
        RetentionPolicy policy = RetentionPolicies.limitBased(1);

        assertThatThrownBy(() -> policy.decide(List.of(g, g), NOW))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("generation " + G1 + " is listed twice");
        Generation misfiled = new Generation(G2, g.fulls(), List.of());
        assertThatThrownBy(() -> policy.decide(List.of(misfiled), NOW))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(g.fulls().get(0).key()).hasMessageContaining("belongs to generation " + G1);
        Generation twice = new Generation(G1, List.of(g.fulls().get(0), g.fulls().get(0)), List.of());
        assertThatThrownBy(() -> policy.decide(List.of(twice), NOW))
                .isInstanceOf(IllegalArgumentException.class).hasMessage(g.fulls().get(0).key() + " is listed twice");
    }

    @Test
    void aNegativeDeltaRetentionIsRefused() {
        assertThatThrownBy(() -> RetentionPolicies.exponential().withDeltaRetention(Duration.ofHours(-1)))
                .isInstanceOf(RetentionConfigException.class).hasMessage("retention delta-retention=PT-1H: must not be negative");
    }

    private static FullSnapshotRef full(String generation, long revision, String createdAt) {
        return new FullSnapshotRef(BackupLayout.fullKey(generation, revision, at(createdAt)), generation, revision, at(createdAt), 10);
    }
}
