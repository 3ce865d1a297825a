package io.etcdbackup.snapshot.retention;

import io.etcdbackup.snapshot.catalog.BackupLayout;
import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
import io.etcdbackup.snapshot.catalog.FullSnapshotRef;
import io.etcdbackup.snapshot.catalog.Generation;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;

import static io.etcdbackup.snapshot.retention.Backups.at;
import static org.assertj.core.api.Assertions.assertThat;

/** Properties every decision has, checked over many random catalogs and policies. */
class RetentionInvariantsTest {

    private static final int CATALOGS = 250;
    private static final Instant EPOCH = at("2026-06-01T00:00:00Z");

    @Test
    void everyDecisionKeepsTheLiveChainAndReachableRestorePointsAndIsStable() {
        for (long seed = 1; seed <= CATALOGS; seed++) {
            Random random = new Random(seed);
            List<Generation> catalog = randomCatalog(random);
            Instant now = latest(catalog).plus(Duration.ofMinutes(random.nextInt(60 * 24 * 10)));
            RetentionPolicy policy = randomPolicy(random);
            Duration deltaRetention = random.nextInt(3) == 0 ? Duration.ofHours(random.nextInt(24 * 20)) : null;
            if (deltaRetention != null) {
                policy = policy.withDeltaRetention(deltaRetention);
            }
            String context = "seed " + seed + ", " + policy + ", now " + now;

            RetentionDecision decision = policy.decide(catalog, now);

            checkPartition(catalog, decision, context);
            checkLiveChain(catalog, decision, context);
            checkWholeGenerations(catalog, decision, context);
            if (deltaRetention == null) {
                checkReachability(catalog, decision, context);
            } else {
                checkExpiry(catalog, decision, now.minus(deltaRetention), context);
            }
            RetentionDecision again = policy.decide(Backups.apply(catalog, decision), now);
            assertThat(again.deletions()).as("applying the policy to its own output, " + context).isEmpty();
        }
    }

    @Test
    void collectingEveryHourForNinetyDaysEndsWhereOneCollectionAtTheEndDoes() {
        String g1 = "20260824T000000000Z-0001";
        String g2 = "20261015T063000000Z-0002";
        List<Generation> written = List.of(
                Backups.hourly(g1, at("2026-08-24T00:00:00Z"), at("2026-10-15T06:00:00Z")),
                Backups.regular(g2, 40, at("2026-10-15T06:30:00Z"), at("2026-11-22T10:30:00Z"), Duration.ofHours(6), Duration.ofMinutes(30)));
        Instant end = at("2026-11-22T10:30:00Z");
        for (RetentionPolicy policy : List.of(RetentionPolicies.exponential(), RetentionPolicies.limitBased(7),
                RetentionPolicies.tiered(24, 7, 4, 12), RetentionPolicies.exponential().withDeltaRetention(Duration.ofDays(3)))) {
            Store store = new Store(written);
            for (Instant now = at("2026-08-24T00:30:00Z"); !now.isAfter(end); now = now.plus(Duration.ofHours(1))) {
                store.writeUntil(now);
                store.execute(policy.decide(store.generations(), now));
            }
            List<Generation> all = written.stream().map(g -> Backups.asOf(g, end)).toList();
            List<Generation> once = Backups.apply(all, policy.decide(all, end));
            assertThat(store.generations()).as(policy.toString()).isEqualTo(once);
        }
    }

    /** A store the sidecar writes to, in publication order, and retention deletes from. */
    private static final class Store {
        private final List<Object> pending = new ArrayList<>();
        private List<Generation> generations = List.of();
        private int next;

        Store(List<Generation> written) {
            written.forEach(g -> {
                pending.addAll(g.fulls());
                pending.addAll(g.deltas());
            });
            pending.sort(Comparator.comparing(Store::time));
        }

        void writeUntil(Instant now) {
            List<Generation> out = new ArrayList<>(generations);
            for (; next < pending.size() && !time(pending.get(next)).isAfter(now); next++) {
                Object o = pending.get(next);
                String id = o instanceof FullSnapshotRef f ? f.generation() : ((DeltaSegmentRef) o).generation();
                int at = -1;
                for (int i = 0; i < out.size(); i++) {
                    at = out.get(i).id().equals(id) ? i : at;
                }
                Generation g = at < 0 ? new Generation(id, List.of(), List.of()) : out.get(at);
                List<FullSnapshotRef> fulls = new ArrayList<>(g.fulls());
                List<DeltaSegmentRef> deltas = new ArrayList<>(g.deltas());
                if (o instanceof FullSnapshotRef f) {
                    fulls.add(f);
                } else {
                    deltas.add((DeltaSegmentRef) o);
                }
                if (at < 0) {
                    out.add(new Generation(id, fulls, deltas));
                } else {
                    out.set(at, new Generation(id, fulls, deltas));
                }
            }
            generations = out;
        }

        void execute(RetentionDecision decision) {
            generations = Backups.apply(generations, decision);
        }

        List<Generation> generations() {
            return generations;
        }

        private static Instant time(Object o) {
            return o instanceof FullSnapshotRef f ? f.createdAt() : ((DeltaSegmentRef) o).publishedAt();
        }
    }

    private static void checkPartition(List<Generation> catalog, RetentionDecision decision, String context) {
        List<String> input = catalog.stream().flatMap(g -> Stream.concat(g.fulls().stream().map(FullSnapshotRef::key),
                g.deltas().stream().map(DeltaSegmentRef::key))).sorted().toList();
        List<String> output = Stream.concat(Stream.concat(decision.keptFulls().stream().map(FullSnapshotRef::key),
                        decision.keptDeltas().stream().map(DeltaSegmentRef::key)),
                decision.deletions().stream().filter(d -> d.type() != BackupLayout.KeyType.GENERATION_INFO).map(RetentionDecision.Deletion::key))
                .sorted().toList();
        assertThat(output).as("every object kept or deleted exactly once, " + context).isEqualTo(input);
    }

    private static void checkLiveChain(List<Generation> catalog, RetentionDecision decision, String context) {
        List<Generation> byAge = catalog.stream().sorted(Comparator.comparing(Generation::id)).toList();
        Generation anchor = byAge.stream().filter(g -> !g.fulls().isEmpty()).reduce((a, b) -> b).orElse(null);
        Set<String> kept = keptKeys(decision);
        if (anchor != null) {
            FullSnapshotRef newest = anchor.fulls().stream().max(Comparator.comparingLong(FullSnapshotRef::revision)).orElseThrow();
            assertThat(kept).as("newest full snapshot, " + context).contains(newest.key());
            anchor.deltas().stream().filter(d -> d.lastRevision() > newest.revision())
                    .forEach(d -> assertThat(kept).as("live chain, " + context).contains(d.key()));
        }
        byAge.stream().filter(g -> anchor == null || g.id().compareTo(anchor.id()) > 0)
                .flatMap(g -> g.deltas().stream())
                .forEach(d -> assertThat(kept).as("generation without a full snapshot yet, " + context).contains(d.key()));
        assertThat(decision.deletedGenerations()).as("newest generation, " + context).doesNotContain(byAge.get(byAge.size() - 1).id());
    }

    private static void checkWholeGenerations(List<Generation> catalog, RetentionDecision decision, String context) {
        Set<String> kept = keptKeys(decision);
        for (Generation g : catalog) {
            boolean anyKept = Stream.concat(g.fulls().stream().map(FullSnapshotRef::key), g.deltas().stream().map(DeltaSegmentRef::key))
                    .anyMatch(kept::contains);
            boolean newest = catalog.stream().allMatch(o -> o.id().compareTo(g.id()) <= 0);
            boolean deletedWhole = decision.deletedGenerations().contains(g.id());
            assertThat(deletedWhole).as("generation " + g.id() + " deleted whole iff nothing kept, " + context).isEqualTo(!anyKept && !newest);
            assertThat(decision.deletedKeys().contains(BackupLayout.generationInfoKey(g.id()))).as(context).isEqualTo(deletedWhole);
        }
    }

    /** Without delta retention, every kept full snapshot can replay to the next kept one, or to its generation's end. */
    private static void checkReachability(List<Generation> catalog, RetentionDecision decision, String context) {
        for (Generation g : catalog) {
            List<FullSnapshotRef> fulls = decision.keptFulls().stream().filter(f -> f.generation().equals(g.id()))
                    .sorted(Comparator.comparingLong(FullSnapshotRef::revision)).toList();
            List<DeltaSegmentRef> deltas = decision.keptDeltas().stream().filter(d -> d.generation().equals(g.id()))
                    .sorted(Comparator.comparingLong(DeltaSegmentRef::firstRevision)).toList();
            long end = g.deltas().stream().mapToLong(DeltaSegmentRef::lastRevision).max().orElse(0);
            for (int i = 0; i < fulls.size(); i++) {
                long from = fulls.get(i).revision();
                long to = i + 1 < fulls.size() ? fulls.get(i + 1).revision() : end;
                long reach = from;
                for (DeltaSegmentRef d : deltas) {
                    if (d.firstRevision() <= reach + 1 && d.lastRevision() > reach) {
                        reach = d.lastRevision();
                    }
                }
                assertThat(reach).as("replay from " + fulls.get(i).key() + " reaches revision " + to + ", " + context).isGreaterThanOrEqualTo(to);
            }
        }
    }

    private static void checkExpiry(List<Generation> catalog, RetentionDecision decision, Instant cutoff, String context) {
        Generation anchor = catalog.stream().sorted(Comparator.comparing(Generation::id)).filter(g -> !g.fulls().isEmpty())
                .reduce((a, b) -> b).orElse(null);
        for (DeltaSegmentRef d : decision.keptDeltas()) {
            boolean live = anchor == null || d.generation().compareTo(anchor.id()) > 0
                    || d.generation().equals(anchor.id()) && d.lastRevision() > anchor.latestFull().orElseThrow().revision();
            if (!live) {
                assertThat(d.publishedAt()).as(d.key() + " kept although expired, " + context).isAfterOrEqualTo(cutoff);
            }
        }
    }

    private static Set<String> keptKeys(RetentionDecision decision) {
        Set<String> kept = new HashSet<>();
        decision.keptFulls().forEach(f -> kept.add(f.key()));
        decision.keptDeltas().forEach(d -> kept.add(d.key()));
        return kept;
    }

    private static RetentionPolicy randomPolicy(Random random) {
        return switch (random.nextInt(3)) {
            case 0 -> RetentionPolicies.limitBased(1 + random.nextInt(10));
            case 1 -> RetentionPolicies.exponential();
            default -> RetentionPolicies.tiered(random.nextInt(30), random.nextInt(10), random.nextInt(6), 1 + random.nextInt(12));
        };
    }

    /**
     * One to four generations, each a continuous chain of delta segments with full snapshots at
     * random moments (some at a lower bound inside a segment, some generations without any),
     * over up to a few months.
     */
    private static List<Generation> randomCatalog(Random random) {
        List<Generation> catalog = new ArrayList<>();
        Instant t = EPOCH.plus(Duration.ofMinutes(random.nextInt(60 * 24 * 30)));
        int generations = 1 + random.nextInt(4);
        for (int i = 0; i < generations; i++) {
            String id = BackupLayout.newGenerationId(t).substring(0, 20) + String.format("%04x", i);
            long start = 1 + random.nextInt(10_000);
            Backups.Writer w = new Backups.Writer(id, start);
            boolean withFulls = random.nextInt(6) != 0;
            int steps = random.nextInt(250);
            long lastFull = -1;
            for (int s = 0; s < steps; s++) {
                t = t.plus(Duration.ofMinutes(1 + (random.nextInt(10) == 0 ? random.nextInt(60 * 24 * 4) : random.nextInt(90))));
                if (withFulls && (s == 0 || random.nextInt(4) == 0)) {
                    // a proven lower bound may lie inside the last segment, never before the generation's first revision
                    long revision = Math.max(Math.max(lastFull, start), w.revision() - random.nextInt(3));
                    if (revision > lastFull) {
                        w.full(t, revision);
                        lastFull = revision;
                    }
                } else {
                    w.delta(t, 1 + random.nextInt(40));
                }
            }
            catalog.add(w.build());
            t = t.plus(Duration.ofMinutes(1 + random.nextInt(600)));
        }
        return catalog;
    }

    private static Instant latest(List<Generation> catalog) {
        return catalog.stream().flatMap(g -> Stream.concat(g.fulls().stream().map(FullSnapshotRef::createdAt),
                g.deltas().stream().map(DeltaSegmentRef::publishedAt))).max(Comparator.naturalOrder()).orElse(EPOCH);
    }
}
