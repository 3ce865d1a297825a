package io.etcdbackup.agent.cluster;

import io.etcd.jetcd.cluster.Member;
import io.etcdbackup.agent.backup.BackupService;
import io.etcdbackup.agent.backup.BackupState;
import io.etcdbackup.agent.backup.ContinuousBackup;
import io.etcdbackup.agent.schedule.TaskScheduler;
import io.etcdbackup.snapshot.etcd.MemberStatus;
import io.etcdbackup.stores.ObjectLockedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;


import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Leader gating: only the agent beside the etcd leader writes backups. Every check period the
 * agent asks its local member for its status; when the member has led at two consecutive checks
 * in the same raft term (or at one check, if it is the only voting member) and no backup runs, a
 * new {@link ContinuousBackup} starts (it takes over the catalog with a higher fencing epoch and
 * continues from the catalog's last revision, so a change of leader leaves no gap); when the
 * member no longer leads, or stops answering for a few checks, the backup is closed (its buffered deltas are
 * published if the catalog still accepts them; if the new leader's agent has already taken over,
 * they are refused and its capture covers those revisions).
 *
 * <p>Confirming leadership over two checks costs one check period after an election; in return
 * a leader that held its term only briefly (split votes right after a cluster starts, a member
 * that had not yet heard of a newer term) never takes the catalog over from the real leader's
 * agent, which would fence that agent and make it restart its capture.
 *
 * <p>Each agent publishes where its HTTP API is reachable in the {@link AgentDirectory}, so that
 * followers can forward snapshot requests to the leader's agent.
 */
public final class LeaderGatedBackup implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LeaderGatedBackup.class);
    /**
     * Consecutive unanswered checks after which a leading agent stops writing. One slow status
     * call (etcd busy streaming a snapshot) is no reason to restart capture; a member that stays
     * silent is (the new leader's agent fences this one anyway).
     */
    static final int UNANSWERED_CHECKS_BEFORE_STEPPING_DOWN = 3;

    /**
     * What the last check saw.
     *
     * @param role        the local member's role
     * @param status      its status (empty when it did not answer)
     * @param clusterSize voting members and learners in the member list (0 when unknown)
     * @param checkedAt   when
     * @param error       why the member was unavailable, if it was
     */
    public record View(Role role, Optional<MemberStatus> status, int clusterSize, Instant checkedAt, Optional<String> error) {
    }

    private final BackupService service;
    private final Supplier<ContinuousBackup> backups;
    private final AgentDirectory directory;
    private final Optional<String> advertiseUrl;
    private final String scheme;
    private final TaskScheduler scheduler;
    private final Clock clock;
    private final Duration checkPeriod;
    private volatile View view;
    private volatile ContinuousBackup active;
    private volatile String publishedUrl;
    private Role publishedRole;
    private volatile boolean closed;
    private int apiPort;
    private int unansweredChecks;
    /** The raft term in which the previous check saw the local member lead; 0 if it did not. */
    private long ledInTerm;

    /**
     * @param backups      makes the backup to run while the local member leads (a new one each
     *                     term, as a closed backup cannot restart)
     * @param advertiseUrl where other agents reach this one; empty to derive it from the local
     *                     member's first client URL host, {@code scheme} and the API port
     * @param scheduler    runs the checks; its clock stamps the view
     */
    public LeaderGatedBackup(BackupService service, Supplier<ContinuousBackup> backups, AgentDirectory directory,
                             Optional<String> advertiseUrl, String scheme, TaskScheduler scheduler, Duration checkPeriod) {
        this.service = service;
        this.backups = backups;
        this.directory = directory;
        this.advertiseUrl = advertiseUrl;
        this.scheme = scheme;
        this.scheduler = scheduler;
        this.clock = scheduler.clock();
        this.checkPeriod = checkPeriod;
        this.view = new View(Role.UNKNOWN, Optional.empty(), 0, clock.instant(), Optional.empty());
    }

    /** Starts checking now and every check period; {@code apiPort} is the bound HTTP API port. */
    public void start(int apiPort) {
        this.apiPort = apiPort;
        scheduler.now(this::checkAndReschedule);
    }

    /** What the last check saw. */
    public View view() {
        return view;
    }

    /** Whether the local member led at the last check (so this agent writes). */
    public boolean isLeader() {
        return view.role() == Role.LEADER;
    }

    /** The backup running while the local member leads. */
    public Optional<ContinuousBackup> active() {
        return Optional.ofNullable(active);
    }

    /** What the backup running while the local member leads is doing; empty when none runs. */
    public Optional<BackupState> backupState() {
        return active().map(ContinuousBackup::state);
    }

    /**
     * Whether this agent does what its role asks: beside the leader, capture runs without a
     * failure; beside a follower or learner, the member answered the last check.
     */
    public boolean isHealthy() {
        return switch (view.role()) {
            case LEADER -> {
                ContinuousBackup current = active;
                yield current != null && current.state().capturing();
            }
            case FOLLOWER, LEARNER -> true;
            case UNKNOWN, UNAVAILABLE -> false;
        };
    }

    /** The URL this agent published for itself (empty before the first successful check). */
    public Optional<String> advertisedUrl() {
        return Optional.ofNullable(publishedUrl);
    }

    /**
     * The HTTP API of the agent beside the member the local member believes leads.
     *
     * @throws IllegalStateException naming what is missing: no leader known, or its agent has
     *                               not published a record
     */
    public String leaderAgentUrl() throws IOException {
        long leader = view.status().map(MemberStatus::leaderId).orElse(0L);
        if (leader == 0) {
            throw new IllegalStateException("no etcd leader is known to this member (role " + view.role() + "); retry");
        }
        return directory.lookup(leader).map(AgentRecord::apiUrl).orElseThrow(() -> new IllegalStateException(
                "the agent beside the etcd leader (member " + Long.toHexString(leader) + ") has not registered in the store yet; retry"));
    }

    // check() and close() hold this object's lock, so a check cannot start a backup after close.
    private void checkAndReschedule() {
        if (closed) {
            return;
        }
        try {
            check();
        } finally {
            scheduler.after(checkPeriod, this::checkAndReschedule);
        }
    }

    /** One check: read the member's role, start or stop the backup accordingly, publish our record. */
    synchronized void check() {
        MemberStatus status;
        List<Member> members;
        Instant askedAt = clock.instant();
        try {
            status = service.memberStatus();
            members = service.members();
        } catch (RuntimeException e) {
            if (view.role() != Role.UNAVAILABLE) {
                LOG.warn("local etcd member not answering; not writing backups", e);
            }
            view = new View(Role.UNAVAILABLE, Optional.empty(), 0, clock.instant(), Optional.of(e.getMessage()));
            ledInTerm = 0;
            if (++unansweredChecks >= UNANSWERED_CHECKS_BEFORE_STEPPING_DOWN) {
                stepDown("the local etcd member did not answer " + unansweredChecks + " checks in a row");
            }
            return;
        }
        unansweredChecks = 0;
        Optional<Member> self = members.stream().filter(m -> m.getId() == status.memberId()).findFirst();
        Role role = status.isLeader() ? Role.LEADER : self.map(Member::isLearner).orElse(false) ? Role.LEARNER : Role.FOLLOWER;
        Role before = view.role();
        view = new View(role, Optional.of(status), members.size(), clock.instant(), Optional.empty());
        if (role != before) {
            LOG.info("etcd member role={} member_id={} leader_id={} cluster_size={}", role, Long.toHexString(status.memberId()),
                    Long.toHexString(status.leaderId()), members.size());
        }
        publishRecord(status, self, role);
        if (role == Role.LEADER) {
            boolean onlyVoter = members.stream().filter(m -> !m.isLearner()).count() == 1;
            boolean confirmed = onlyVoter || ledInTerm == status.raftTerm();
            ledInTerm = status.raftTerm();
            if (confirmed || active != null) {
                lead();
                ContinuousBackup current = active;
                if (current != null) {
                    current.etcdObserved(status.revision(), askedAt);
                }
            } else {
                LOG.info("local etcd member leads; starting backups if it still leads at the next check raft_term={}",
                        status.raftTerm());
            }
        } else {
            ledInTerm = 0;
            stepDown("the local etcd member no longer leads (now " + role + ")");
        }
    }

    private void lead() {
        ContinuousBackup current = active;
        Optional<Throwable> failure = current == null ? Optional.empty() : current.state().failure();
        if (failure.isPresent()) {
            LOG.warn("backup stopped while leading; starting again", failure.get());
            closeQuietly(current);
            current = null;
            active = null;
        }
        if (current == null && !closed) {
            LOG.info("local etcd member leads: starting backups");
            ContinuousBackup next = backups.get();
            active = next;
            next.start();
        }
    }

    private void stepDown(String why) {
        ContinuousBackup current = active;
        if (current != null) {
            LOG.info("stopping backups reason=\"{}\"", why);
            active = null;
            closeQuietly(current);
        }
    }

    private void publishRecord(MemberStatus status, Optional<Member> self, Role role) {
        String url = advertiseUrl.orElseGet(() -> self.flatMap(m -> m.getClientURIs().stream().findFirst())
                .map(URI::getHost).map(host -> scheme + "://" + host + ":" + apiPort)
                .orElse(scheme + "://" + status.memberId() + ".invalid:" + apiPort));
        if (url.equals(publishedUrl) && role == publishedRole) {
            return;
        }
        try {
            directory.publish(new AgentRecord(status.memberId(), self.map(Member::getName).orElse(""), url, role.name(),
                    service.catalog().writer().map(w -> w.writerId()).orElse(""), clock.instant()));
            publishedUrl = url;
            publishedRole = role;
        } catch (ObjectLockedException e) {
            keepLockedRecord(status.memberId(), url, role, e);
        } catch (IOException | RuntimeException e) {
            LOG.warn("could not publish this agent's address in the store, retried next check url={}", url, e);
        }
    }

    /**
     * An immutable bucket refuses to replace the record. Routing needs only its address: when the
     * record in the store already has this one, it stands (its role and time stay as first written).
     */
    private void keepLockedRecord(long memberId, String url, Role role, ObjectLockedException e) {
        try {
            if (directory.lookup(memberId).map(AgentRecord::apiUrl).filter(url::equals).isPresent()) {
                LOG.info("this agent's record is locked by the store and already names this address, kept url={}", url);
                publishedUrl = url;
                publishedRole = role;
                return;
            }
        } catch (IOException | RuntimeException lookupFailed) {
            e.addSuppressed(lookupFailed);
        }
        LOG.warn("this agent's record is locked by the store with another address; followers cannot forward to it until "
                + "the lock expires url={}", url, e);
    }

    private static void closeQuietly(ContinuousBackup backup) {
        try {
            backup.close();
        } catch (IOException | RuntimeException e) {
            LOG.warn("buffered deltas not published on stepping down; the new writer captures them", e);
        }
    }

    /** Stops checking and closes the running backup (publishing its buffered deltas). */
    @Override
    public synchronized void close() {
        closed = true;
        stepDown("shutting down");
    }
}
