package io.etcdbackup.restore.init;

import io.etcdbackup.restore.NoBackupException;
import io.etcdbackup.restore.RestorePlan;
import io.etcdbackup.restore.RestorePlanner;
import io.etcdbackup.restore.RestoreTarget;
import io.etcdbackup.restore.RestoreProgress;
import io.etcdbackup.restore.Restorer;
import io.etcdbackup.restore.init.InitializationOutcome.Decision;
import io.etcdbackup.stores.ObjectStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Prepares a data directory before etcd starts (the init container, and the sidecar's
 * {@code /initialization/start}): checks the {@link Safeguard}, validates the directory, reads the
 * catalog, decides, and acts.
 *
 * <table>
 *   <caption>Decisions for a single-member cluster</caption>
 *   <tr><th>data dir</th><th>backups readable, latest at revision T</th><th>store holds no backups</th><th>store unreachable or backups unusable</th></tr>
 *   <tr><td>claimed by another identity</td><td>REFUSE</td><td>REFUSE</td><td>REFUSE</td></tr>
 *   <tr><td>valid at revision R &ge; T</td><td>KEEP</td><td>KEEP</td><td>KEEP (not compared)</td></tr>
 *   <tr><td>valid at revision R &lt; T</td><td>RESTORE</td><td>-</td><td>-</td></tr>
 *   <tr><td>missing or empty</td><td>RESTORE</td><td>FRESH</td><td>REFUSE</td></tr>
 *   <tr><td>invalid</td><td>RESTORE</td><td>REFUSE</td><td>REFUSE</td></tr>
 * </table>
 *
 * <p>In a multi-member cluster a valid directory is kept without comparing revisions (a follower
 * may trail the backups and catches up from its peers), and a missing, empty or invalid one is
 * refused while backups exist: restoring one member from backup would split it from its healthy
 * peers, and only an operator can tell a lost member from a lost cluster. A member that joins a
 * running cluster ({@link InitializationRequest#joining()}) takes its data from its peers: a valid
 * directory is kept, a missing or empty one left empty (FRESH) whatever the store holds, an
 * invalid one refused (it must be removed from the cluster and added back). When the member
 * reconciler found that no member answers ({@link InitializationRequest#clusterDown()}), the
 * whole cluster is down: a valid directory is kept, and a missing, empty or invalid one is
 * restored with the whole membership, as in a single member, so every member that lost its data
 * restores the same revision and they form one cluster.
 *
 * <p>A restore works in {@code <data-dir>.part} and swaps it in; the old directory is moved
 * aside and deleted only after the new one is in place, so a failed restore leaves it as it was.
 * After KEEP, RESTORE and FRESH the directory carries a safeguard naming the request's identity.
 *
 * <p>Thread-safe: calls are serialised (a second caller waits, then sees what the first left).
 * Never throws for what can go wrong with data, tools or the store; every failure is an outcome.
 */
public final class Initializer {

    private static final Logger LOG = LoggerFactory.getLogger(Initializer.class);

    /** Carries out a restore; {@link Restorer#restore} in production. */
    @FunctionalInterface
    interface RestoreAction {
        Restorer.Result restore(RestorePlan plan, RestoreTarget target) throws IOException;
    }

    /** What the store says about backups. */
    enum Backups { AVAILABLE, NONE, UNAVAILABLE }

    /**
     * The catalog as far as the decision needs it.
     *
     * @param backups     what was found
     * @param plan        the latest restorable state, when {@code AVAILABLE}; else null
     * @param description why {@code NONE} or {@code UNAVAILABLE}, for reasons
     */
    record CatalogView(Backups backups, RestorePlan plan, String description) {
    }

    /** How the member starts, as far as the decision cares. */
    enum Membership {
        /** Alone: its data dir is the whole cluster's data. */
        SINGLE,
        /** One of several members bootstrapping together ({@code initial-cluster-state=new}). */
        MULTI,
        /** Added to a running cluster ({@code initial-cluster-state=existing}): its peers have the data. */
        JOINING,
        /** One of several members, and no member answers (the reconciler checked): the whole cluster is down or lost. */
        CLUSTER_DOWN;

        static Membership of(InitializationRequest request) {
            if (request.joining()) {
                return JOINING;
            }
            if (!request.multiMember()) {
                return SINGLE;
            }
            return request.clusterDown() ? CLUSTER_DOWN : MULTI;
        }
    }

    /** A decision and its reason, before acting. */
    record Choice(Decision decision, String reason) {
    }

    private final ObjectStore store;
    private final RestorePlanner planner;
    private final DataDirValidator validator;
    private final RestoreAction restorer;
    private final Clock clock;
    private RestoreProgress progress = new RestoreProgress();

    /**
     * @param store    where the backups are (not closed by the initializer)
     * @param planner  what to restore, over the same store: its latest state is the one restored
     *                 (the agent's planner also reads other tools' layouts when this agent's
     *                 catalog holds no full snapshot)
     * @param settings how to restore: etcd binaries (also used to validate), scratch dir, fetchers
     * @param clock    time written into safeguard files
     */
    public Initializer(ObjectStore store, RestorePlanner planner, Restorer.Settings settings, Clock clock) {
        this(store, planner, settings, new Restorer(store, settings), clock);
    }

    private Initializer(ObjectStore store, RestorePlanner planner, Restorer.Settings settings, Restorer restorer, Clock clock) {
        this(store, planner, new DataDirValidator(settings.binaries()), restorer::restore, clock);
        this.progress = restorer.progress();
    }

    /** How far a restore this initializer runs has come (idle when it restores nothing). */
    public RestoreProgress progress() {
        return progress;
    }

    Initializer(ObjectStore store, RestorePlanner planner, DataDirValidator validator, RestoreAction restorer, Clock clock) {
        this.store = store;
        this.planner = planner;
        this.validator = validator;
        this.restorer = restorer;
        this.clock = clock;
    }

    /**
     * Validates the request's data directory, decides and acts (see the class comment). Blocks for
     * the whole restore when it restores; safe to run on a background thread (interrupting it ends
     * a running tool or restore with a failed outcome and the data directory as it was).
     *
     * @return the outcome; never null, never thrown
     */
    public synchronized InitializationOutcome initialize(InitializationRequest request) {
        long started = System.nanoTime();
        Path dataDir = request.target().dataDir();
        LOG.info("initialization started data_dir={} mode={} identity={}", dataDir, request.mode().label(), request.identity());

        Optional<String> wrongVolume = Safeguard.refusal(dataDir, request.identity());
        if (wrongVolume.isPresent()) {
            return finish(new Choice(Decision.REFUSE, wrongVolume.get()), false, OptionalLong.empty(), Optional.empty(),
                    Duration.ZERO, started);
        }

        long validationStarted = System.nanoTime();
        DataDirVerdict verdict;
        try {
            verdict = validator.validate(dataDir, request.mode());
        } catch (IOException | RuntimeException e) {
            return finish(new Choice(Decision.REFUSE, "could not validate data dir " + dataDir + " (" + message(e)
                    + "); nothing was changed"), false, OptionalLong.empty(), Optional.empty(), since(validationStarted), started);
        }
        Duration validationTook = since(validationStarted);
        LOG.info("data dir validated data_dir={} status={} revision={} duration_ms={} reason=\"{}\"", dataDir, verdict.status(),
                verdict.revision().isPresent() ? verdict.revision().getAsLong() : "none", validationTook.toMillis(), verdict.reason());
        verdict.notes().forEach(note -> LOG.info("data dir note data_dir={} note=\"{}\"", dataDir, note));

        Membership membership = Membership.of(request);
        // A joining member's data comes from its peers: the store is not asked (nor waited for when down).
        CatalogView catalog = membership == Membership.JOINING
                ? new CatalogView(Backups.UNAVAILABLE, null, "not read for a joining member") : readCatalog();
        Choice choice = decide(verdict, catalog, membership);
        try {
            return switch (choice.decision()) {
                case KEEP -> {
                    claimIfUnclaimed(dataDir, request.identity());
                    yield finish(choice, true, verdict.revision(), Optional.of(verdict), validationTook, started);
                }
                case FRESH -> {
                    if (!Files.exists(dataDir)) {
                        Files.createDirectories(dataDir.getParent());
                        Files.createDirectory(dataDir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                    }
                    claimIfUnclaimed(dataDir, request.identity());
                    yield finish(choice, true, OptionalLong.empty(), Optional.of(verdict), validationTook, started);
                }
                case RESTORE -> {
                    RestoreTarget target = request.target();
                    Restorer.Result result = restorer.restore(catalog.plan(), new RestoreTarget(target.dataDir(), target.name(),
                            target.initialCluster(), target.initialAdvertisePeerUrls(), target.initialClusterToken(), true));
                    new Safeguard(request.identity(), clock.instant()).writeTo(dataDir);
                    yield finish(choice, true, OptionalLong.of(result.revision()), Optional.of(verdict), validationTook, started);
                }
                case REFUSE -> finish(choice, false, OptionalLong.empty(), Optional.of(verdict), validationTook, started);
            };
        } catch (IOException | RuntimeException e) {
            String what = choice.decision() == Decision.RESTORE
                    ? "restore failed: " + message(e) + "; the data dir was left as it was (" + choice.reason() + ")"
                    : choice.decision() + " failed: " + message(e) + " (" + choice.reason() + ")";
            return finish(new Choice(choice.decision(), what), false, OptionalLong.empty(), Optional.of(verdict), validationTook, started);
        }
    }

    private CatalogView readCatalog() {
        try {
            RestorePlan plan = planner.latest();
            return new CatalogView(Backups.AVAILABLE, plan, "latest restorable revision " + plan.targetRevision() + " in " + store.location());
        } catch (NoBackupException e) {
            return new CatalogView(Backups.NONE, null, "the store " + store.location() + " holds no backups");
        } catch (IOException e) {
            return new CatalogView(Backups.UNAVAILABLE, null, "the store " + store.location() + " is unreachable: " + message(e));
        } catch (RuntimeException e) {
            return new CatalogView(Backups.UNAVAILABLE, null, "the backups in " + store.location() + " cannot be used: " + message(e));
        }
    }

    /** The decision table of the class comment. Pure: nothing is read or changed. */
    static Choice decide(DataDirVerdict verdict, CatalogView catalog, Membership membership) {
        String found = verdict.reason();
        if (membership == Membership.JOINING) {
            return switch (verdict.status()) {
                case VALID -> new Choice(Decision.KEEP, found + "; joining a running cluster: not compared with the backups, it"
                        + " catches up from its peers");
                case MISSING, EMPTY -> new Choice(Decision.FRESH, found + ": left empty, etcd joins the running cluster and takes"
                        + " its data from its peers (initial-cluster-state existing)");
                case INVALID -> new Choice(Decision.REFUSE, found + "; a member joining a running cluster with a damaged data dir"
                        + " must be removed from the cluster, its data dir emptied, and added back");
            };
        }
        boolean multiMember = membership == Membership.MULTI;
        switch (verdict.status()) {
            case VALID -> {
                long revision = verdict.revision().getAsLong();
                if (membership == Membership.CLUSTER_DOWN) {
                    return new Choice(Decision.KEEP, found + "; no member answers: kept without comparing with the backups, the"
                            + " members that kept their data elect a leader and bring the others up to date");
                }
                if (multiMember) {
                    return new Choice(Decision.KEEP, found + "; not compared with the backups: a member of a multi-member cluster may"
                            + " trail them and catches up from its peers");
                }
                return switch (catalog.backups()) {
                    case AVAILABLE -> revision >= catalog.plan().targetRevision()
                            ? new Choice(Decision.KEEP, found + ", not behind the backups (" + catalog.description() + ")")
                            : new Choice(Decision.RESTORE, found + ", behind the backups (" + catalog.description() + "): restoring");
                    case NONE -> new Choice(Decision.KEEP, found + "; " + catalog.description() + " to compare with");
                    case UNAVAILABLE -> new Choice(Decision.KEEP, found + "; not compared with the backups: " + catalog.description());
                };
            }
            case MISSING, EMPTY -> {
                return switch (catalog.backups()) {
                    case AVAILABLE -> multiMember ? ambiguousMember(found)
                            : new Choice(Decision.RESTORE, found + ": restoring the backups (" + catalog.description() + ")"
                                    + wholeCluster(membership));
                    case NONE -> new Choice(Decision.FRESH, found + " and " + catalog.description() + ": etcd starts a new cluster");
                    case UNAVAILABLE -> new Choice(Decision.REFUSE, found + " and " + catalog.description()
                            + ": starting a new, empty cluster could hide existing backups; retry when the store is back");
                };
            }
            default -> {
                return switch (catalog.backups()) {
                    case AVAILABLE -> multiMember ? ambiguousMember(found)
                            : new Choice(Decision.RESTORE, found + ": restoring the backups (" + catalog.description()
                                    + "); the old data dir is deleted once the restored one is in place" + wholeCluster(membership));
                    case NONE -> new Choice(Decision.REFUSE, found + ", and " + catalog.description()
                            + " to restore from: the data dir is left for repair; move it away to start a new cluster");
                    case UNAVAILABLE -> new Choice(Decision.REFUSE, found + ", and " + catalog.description()
                            + ": nothing to restore from now; retry when the store is back");
                };
            }
        }
    }

    private static String wholeCluster(Membership membership) {
        return membership == Membership.CLUSTER_DOWN
                ? "; no member of the cluster answers: every member without data restores this same revision with the whole"
                + " membership and token, so they form one cluster" : "";
    }

    private static Choice ambiguousMember(String found) {
        return new Choice(Decision.REFUSE, found + "; this is one member of a multi-member cluster and backups exist: if only this"
                + " member lost its data it must rejoin from its peers (remove it from the cluster, empty the data dir, add it"
                + " back, start it with initial-cluster-state existing); if the whole cluster is lost, restore every member"
                + " (README runbooks)");
    }

    private void claimIfUnclaimed(Path dataDir, String identity) throws IOException {
        Safeguard.claimIfUnclaimed(dataDir, identity, clock.instant());
    }

    private static InitializationOutcome finish(Choice choice, boolean successful, OptionalLong revision,
                                                Optional<DataDirVerdict> verdict, Duration validationTook, long started) {
        InitializationOutcome outcome = new InitializationOutcome(choice.decision(), successful, choice.reason(), revision, verdict,
                validationTook, since(started));
        String line = "initialization finished decision={} successful={} revision={} duration_ms={} reason=\"{}\"";
        Object[] values = {outcome.decision(), successful, revision.isPresent() ? revision.getAsLong() : "none", outcome.took().toMillis(),
                outcome.reason()};
        if (successful) {
            LOG.info(line, values);
        } else {
            LOG.warn(line, values);
        }
        return outcome;
    }

    private static Duration since(long nanoTime) {
        return Duration.ofNanos(System.nanoTime() - nanoTime);
    }

    private static String message(Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (e instanceof java.nio.file.NoSuchFileException) {
            message = "no such file: " + message;
        }
        return message.replace('\n', ' ');
    }
}
