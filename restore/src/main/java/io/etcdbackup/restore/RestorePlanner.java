package io.etcdbackup.restore;

import io.etcdbackup.snapshot.catalog.BackupLayout;
import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
import io.etcdbackup.snapshot.catalog.FullSnapshotRef;
import io.etcdbackup.snapshot.catalog.Generation;
import io.etcdbackup.snapshot.format.ObjectHeader;
import io.etcdbackup.snapshot.format.SnapshotObjectReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Chooses what to restore: the latest state from the first of its {@link BackupSource}s that holds
 * a full snapshot (this agent's catalog first, then the imported layouts it was given), or a point
 * in the past from this agent's catalog.
 *
 * <p>Objects of this agent's catalog that an operator labelled {@code x-etcd-snapshot-exclude=true}
 * ({@link SnapshotExclusions}) are left out: a plan is made, the labels of its objects are read,
 * and if any is excluded the plan is made again without it. An excluded full snapshot gives way
 * to an older one; the latest state stops before an excluded delta segment; a point in time past
 * one is a {@link RevisionGapException} naming it.
 */
public final class RestorePlanner {

    private static final Logger LOG = LoggerFactory.getLogger(RestorePlanner.class);

    private final Catalog catalog;
    private final List<BackupSource> imported;
    private final SnapshotExclusions exclusions;

    /**
     * A planner over this agent's backups only (no imported layouts): what compaction folds, and
     * what tests of this agent's own chains plan from.
     */
    public RestorePlanner(Catalog catalog) {
        this(catalog, List.of());
    }

    /**
     * @param catalog  this agent's catalog: the first source of the latest state, and the only one
     *                 for points in the past
     * @param imported other layouts in the same store, in order of precedence, read for the latest
     *                 state only when the catalog holds no full snapshot (the agent passes
     *                 gardener/etcd-backup-restore's layout here; see docs/import.md)
     */
    public RestorePlanner(Catalog catalog, List<BackupSource> imported) {
        this.catalog = catalog;
        this.imported = List.copyOf(imported);
        this.exclusions = new SnapshotExclusions(catalog.store());
    }

    /** What this agent's own backups are, for a {@link NoBackupException}. */
    private static String ownDescription() {
        return "this agent's " + BackupLayout.ROOT + " objects";
    }

    /**
     * The latest restorable state of the first source that holds a full snapshot: for this
     * agent's catalog, the newest generation with a full snapshot, its newest full snapshot, and
     * every delta segment after it; for an imported layout, what {@link BackupSource#latestPlan()}
     * says.
     *
     * @throws NoBackupException  if no source holds a full snapshot, naming what each looked for
     * @throws RevisionGapException if the deltas after the base do not form a continuous chain
     */
    public RestorePlan latest() throws IOException {
        List<Generation> generations = catalog.generations();
        Optional<RestorePlan> own = honouringExclusions(excluded -> latestOwn(generations, excluded));
        if (own.isPresent()) {
            return own.get();
        }
        List<String> lookedFor = new ArrayList<>();
        lookedFor.add(ownDescription());
        for (BackupSource source : imported) {
            Optional<RestorePlan> plan = source.latestPlan();
            if (plan.isPresent()) {
                return plan.get();
            }
            lookedFor.add(source.description());
        }
        throw new NoBackupException("no full snapshot in " + catalog.store().location() + ": looked for "
                + String.join(", ", lookedFor));
    }

    /**
     * The plan for {@code point}: {@link #latest()}, or a point in the past from this agent's
     * catalog (point-in-time restore needs its delta segments; imported layouts restore latest).
     *
     * @throws NoBackupException    if no retained chain holds the point, naming what is retained
     * @throws RevisionGapException if the chain up to the point has a gap
     */
    public RestorePlan plan(RestorePoint point) throws IOException {
        if (point instanceof RestorePoint.AtRevision at) {
            return atRevision(at.revision(), Long.MAX_VALUE);
        }
        if (point instanceof RestorePoint.AtTime at) {
            return atTime(at.time());
        }
        return latest();
    }

    /**
     * Exactly revision {@code target}: the newest generation holding it, its newest full snapshot
     * at or below the target whose recorded revision is below {@code baseBelow} (a full
     * snapshot's recorded revision is a lower bound, so its database may turn out to be past the
     * target; the restorer then asks again with a lower bound), and the segments up to the
     * target.
     */
    public RestorePlan atRevision(long target, long baseBelow) throws IOException {
        List<Generation> generations = catalog.generations();
        return honouringExclusions(excluded -> atRevision(SnapshotExclusions.without(generations, excluded, false), target, baseBelow,
                NativeFormat.of(catalog.encryption()))).orElseThrow(() -> new NoBackupException("no retained chain in "
                + catalog.store().location() + " holds revision " + target
                + (baseBelow != Long.MAX_VALUE ? " from a full snapshot below revision " + baseBelow : "")
                + "; retained: " + describe(generations)));
    }

    static java.util.Optional<RestorePlan> atRevision(List<Generation> generations, long target, long baseBelow) {
        return atRevision(generations, target, baseBelow, NativeFormat.INSTANCE);
    }

    private static java.util.Optional<RestorePlan> atRevision(List<Generation> generations, long target, long baseBelow,
                                                              NativeFormat format) {
        for (int i = generations.size() - 1; i >= 0; i--) {
            Generation generation = generations.get(i);
            if (generation.lastRevision() < target) {
                continue;
            }
            FullSnapshotRef base = null;
            for (FullSnapshotRef full : generation.fulls()) {
                if (full.revision() <= target && full.revision() < baseBelow) {
                    base = full;
                }
            }
            if (base != null) {
                return java.util.Optional.of(planFrom(generation, base, target, format));
            }
        }
        return java.util.Optional.empty();
    }

    /**
     * The newest revision committed at or before {@code time}: in the newest generation with a
     * full snapshot taken by then, the last revision of the newest segment published by then, or
     * a later one the next segment's receive-time index shows was received by then.
     */
    public RestorePlan atTime(java.time.Instant time) throws IOException {
        List<Generation> generations = catalog.generations();
        for (int i = generations.size() - 1; i >= 0; i--) {
            Generation generation = generations.get(i);
            long newest = 0;
            for (FullSnapshotRef full : generation.fulls()) {
                if (!full.createdAt().isAfter(time)) {
                    newest = Math.max(newest, full.revision());
                }
            }
            if (newest == 0) {
                continue; // no full snapshot of this generation existed yet at that time
            }
            for (DeltaSegmentRef delta : generation.deltas()) {
                if (!delta.publishedAt().isAfter(time)) {
                    newest = Math.max(newest, delta.lastRevision());
                } else if (delta.lastRevision() > newest) {
                    // The first segment published after the time may hold revisions received before it.
                    ObjectHeader header = SnapshotObjectReader.readHeader(catalog.store(), delta.key());
                    java.util.OptionalLong received = header.newestRevisionAtOrBefore(time);
                    if (received.isPresent()) {
                        newest = Math.max(newest, received.getAsLong());
                    }
                    break;
                }
            }
            return atRevision(newest, Long.MAX_VALUE);
        }
        throw new NoBackupException("no full snapshot in " + catalog.store().location() + " was taken at or before " + time
                + "; retained: " + describe(generations));
    }

    private static String describe(List<Generation> generations) {
        if (generations.isEmpty()) {
            return "nothing";
        }
        List<String> parts = new ArrayList<>();
        for (Generation g : generations) {
            long first = g.fulls().isEmpty() ? 0 : g.fulls().get(0).revision();
            parts.add(g.id() + " revisions " + first + ".." + g.lastRevision()
                    + (g.fulls().isEmpty() ? "" : " since " + g.fulls().get(0).createdAt()));
        }
        return String.join(", ", parts);
    }

    /**
     * The chain of {@code generation} from {@code base} up to exactly {@code target}.
     *
     * @throws RevisionGapException if revisions between the base and the target are missing
     */
    static RestorePlan planFrom(Generation generation, FullSnapshotRef base, long target, BackupFormat format) {
        List<DeltaSegmentRef> chain = chain(generation, base, target);
        long covered = chain.isEmpty() ? base.revision() : chain.get(chain.size() - 1).lastRevision();
        if (covered < target) {
            throw new RevisionGapException(generation.id(), covered, target, "(end of the chain)");
        }
        return new RestorePlan(generation.id(), base, chain, target, true, format);
    }

    /**
     * The segments after {@code base} up to the first that reaches {@code upTo}, skipping wholly
     * overlapped ones (a leader handover).
     *
     * @throws RevisionGapException if revisions are missing between them
     */
    private static List<DeltaSegmentRef> chain(Generation generation, FullSnapshotRef base, long upTo) {
        return chainAfter(generation, base.revision(), upTo);
    }

    /**
     * The segments of {@code generation} holding the revisions after {@code after}, up to the
     * first that reaches {@code upTo}, skipping wholly overlapped ones (a leader handover); the
     * first may also hold revisions at or before {@code after}.
     *
     * @throws RevisionGapException if revisions are missing between them, or between {@code after}
     *                              and the first
     */
    public static List<DeltaSegmentRef> chainAfter(Generation generation, long after, long upTo) {
        List<DeltaSegmentRef> chain = new ArrayList<>();
        long covered = after;
        for (DeltaSegmentRef delta : generation.deltasAfter(after)) {
            if (covered >= upTo) {
                break;
            }
            if (delta.lastRevision() <= covered) {
                continue;
            }
            if (delta.firstRevision() > covered + 1) {
                throw new RevisionGapException(generation.id(), covered, delta.firstRevision(), delta.key());
            }
            chain.add(delta);
            covered = delta.lastRevision();
        }
        return chain;
    }

    /** Plans with {@code planning}, again without any excluded object the plan would read, until none is. */
    private Optional<RestorePlan> honouringExclusions(Planning planning) throws IOException {
        Set<String> excluded = new TreeSet<>();
        while (true) {
            Optional<RestorePlan> plan;
            try {
                plan = planning.plan(excluded);
            } catch (RevisionGapException gap) {
                throw excluded.isEmpty() ? gap : gap.becauseExcluded(excluded);
            }
            if (plan.isEmpty()) {
                return plan;
            }
            Set<String> found = exclusions.excludedAmong(SnapshotExclusions.keysOf(plan.get()));
            if (found.isEmpty()) {
                return plan;
            }
            LOG.warn("leaving out snapshots excluded from restores label={}=true keys={}", SnapshotExclusions.LABEL, found);
            excluded.addAll(found);
        }
    }

    /** The latest state of this agent's own {@code generations} without {@code excluded}. */
    private Optional<RestorePlan> latestOwn(List<Generation> generations, Set<String> excluded) {
        List<Generation> all = SnapshotExclusions.without(generations, excluded, true);
        for (int i = all.size() - 1; i >= 0; i--) {
            if (!all.get(i).fulls().isEmpty()) {
                return Optional.of(planFrom(all.get(i), NativeFormat.of(catalog.encryption())));
            }
        }
        return Optional.empty();
    }

    /** One planning attempt, leaving out the given objects. */
    @FunctionalInterface
    private interface Planning {
        Optional<RestorePlan> plan(Set<String> excluded) throws IOException;
    }

    static RestorePlan planFrom(Generation generation) {
        return planFrom(generation, NativeFormat.INSTANCE);
    }

    /**
     * The latest state of one chain: its newest full snapshot and the delta segments after it.
     * Overlapping segments (a leader handover) are tolerated; wholly covered ones are skipped.
     *
     * @throws RevisionGapException if revisions are missing between the base and the last segment
     */
    public static RestorePlan planFrom(Generation generation, BackupFormat format) {
        FullSnapshotRef full = generation.latestFull().orElseThrow();
        List<DeltaSegmentRef> chain = chain(generation, full, Long.MAX_VALUE);
        long covered = chain.isEmpty() ? full.revision() : chain.get(chain.size() - 1).lastRevision();
        return new RestorePlan(generation.id(), full, chain, covered, false, format);
    }
}
