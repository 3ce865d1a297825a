package io.etcdbackup.agent.cli;

import io.etcdbackup.agent.backup.CaptureSettings;
import io.etcdbackup.agent.backup.CompactionThresholds;
import io.etcdbackup.agent.http.HttpApi;
import io.etcdbackup.agent.lease.LeaseSettings;
import io.etcdbackup.agent.lifecycle.LifecycleSettings;
import io.etcdbackup.agent.member.EtcdConfigTemplate;
import io.etcdbackup.agent.schedule.CronSchedule;
import io.etcdbackup.restore.RestoreTarget;
import io.etcdbackup.restore.drill.RestoreDrill;
import io.etcdbackup.snapshot.merge.MergePolicy;
import io.etcdbackup.snapshot.retention.RetentionPolicy;
import io.etcdbackup.stores.ObjectStore;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The {@code server} command's configuration: every option parsed and checked once, at start-up
 * ({@link ServerOptions#parse}), before anything is opened. A feature that is off is an empty
 * {@link Optional}, not a zero or an empty string.
 *
 * @param capture    how snapshots are captured and encoded
 * @param backup     what the leader's continuous backup does besides capturing
 * @param leadership how this agent learns whether it leads, and where the other agents reach it
 * @param http       the HTTP API
 * @param member     the member endpoints: {@code /initialization} and {@code /config}
 * @param drill      scheduled restore drills
 * @param leases     the Kubernetes Leases renewed for etcd-druid
 * @param lifecycle  the member reconciler (promotion, scale-down, peer URLs, quorum reports)
 */
record ServerConfig(CaptureSettings capture, Backup backup, Leadership leadership, Http http, Member member, Optional<Drill> drill,
                    Optional<LeaseSettings> leases, Optional<LifecycleSettings> lifecycle) {

    /**
     * @param fullSchedule      when full snapshots are taken
     * @param retention         retention, applied periodically
     * @param defrag            defragmentation of every member
     * @param compaction        folding the chain into a new base when it grows past a threshold
     * @param merge             merging small delta segments, periodically
     * @param finalFullSnapshot whether a leader takes a full snapshot on SIGTERM, after publishing the buffered deltas
     * @param secondary         a second store the leader keeps in sync
     */
    record Backup(Optional<CronSchedule> fullSchedule, Optional<Retention> retention, Optional<Defrag> defrag,
                  Optional<Compaction> compaction, Optional<Merge> merge, boolean finalFullSnapshot, Optional<Secondary> secondary) {
    }

    /**
     * The second store ({@code --secondary-store}), synced every {@code period}; its credentials are
     * the provider's variables prefixed {@code SECONDARY_}.
     */
    record Secondary(String url, Duration period) {
    }

    /** Retention of {@code policy} every {@code period}; deleted objects stay in the store for {@code grace}. */
    record Retention(RetentionPolicy policy, Duration grace, Duration period) {
    }

    /** Defragmentation on {@code schedule}, giving up on a member after {@code timeout}. */
    record Defrag(CronSchedule schedule, Duration timeout) {
    }

    /**
     * In-process compaction when a threshold is passed; at least one threshold is on.
     *
     * @param restore how the chain is replayed (etcd's binaries are located when the compactor is built)
     * @param scratch where the replay runs
     */
    record Compaction(CompactionThresholds thresholds, RestoreOptions.Setup restore, Path scratch) {
    }

    /** Merging by {@code policy} every {@code period}. */
    record Merge(MergePolicy policy, Duration period) {
    }

    /**
     * @param checkPeriod  how often the local member is asked whether it leads
     * @param advertiseUrl where the other agents reach this one's API; empty for the default
     */
    record Leadership(Duration checkPeriod, Optional<String> advertiseUrl) {
    }

    /**
     * @param port      the port to bind; 0 picks a free one
     * @param tokenFile the file holding the bearer token; read when the server starts, never while checking
     * @param tls       HTTPS certificate and key files
     * @param keysScratch where {@code /v1/keys} downloads a full snapshot while its keys are read
     */
    record Http(int port, Optional<Path> tokenFile, Optional<HttpApi.Tls> tls, Path keysScratch) {

        /** The API's settings with the token read from {@link #tokenFile}. */
        HttpApi.Settings settings(Optional<String> token) {
            return new HttpApi.Settings(port, token, tls, keysScratch);
        }
    }

    /**
     * @param initialization {@code /initialization} over the server's data dir
     * @param etcdConfig     {@code /config}: etcd's configuration file rendered for this member
     */
    record Member(Optional<Initialization> initialization, Optional<EtcdConfig> etcdConfig) {
    }

    /**
     * @param target      the data dir and the member a restore into it produces
     * @param restore     how a restore runs (etcd's binaries are located when the endpoint is built)
     * @param safeguardId whom the data dir belongs to; empty for the store's location
     */
    record Initialization(RestoreTarget target, RestoreOptions.Setup restore, Optional<String> safeguardId) {

        /** The identity written into and compared with the data dir's safeguard file. */
        String identity(ObjectStore store) {
            return safeguardId.orElseGet(store::location);
        }
    }

    /** etcd's configuration template, rendered for the member {@code name} in {@code namespace} (from {@code POD_NAMESPACE}). */
    record EtcdConfig(EtcdConfigTemplate template, String name, Optional<String> namespace) {

        /** Throws {@link IllegalArgumentException} when the name cannot go into host names. */
        EtcdConfigTemplate.MemberIdentity identity() {
            return namespace.map(n -> EtcdConfigTemplate.MemberIdentity.of(name, n))
                    .orElseGet(() -> EtcdConfigTemplate.MemberIdentity.of(name));
        }
    }

    /** Restore drills on {@code schedule}; etcd's binaries were located when the options were checked. */
    record Drill(CronSchedule schedule, RestoreDrill.Settings settings) {
    }
}
