package io.etcdbackup.agent.backup;

import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.snapshot.catalog.Generation;
import io.etcdbackup.snapshot.copy.BackupCopier;
import io.etcdbackup.snapshot.retention.RetentionRunner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A second store kept in sync with the primary one (the reference's "dual site"): every sync copies
 * what the primary holds and the second store lacks ({@link BackupCopier}: checked, indexed only
 * once complete, resumable after an outage), then applies retention there. The leader's agent runs
 * it, every period, beside capture.
 *
 * <p>Thread-safe: {@link #sync()} runs on one thread, {@link #status(long, Instant)} is read from any.
 */
public final class SecondarySite {

    private static final Logger LOG = LoggerFactory.getLogger(SecondarySite.class);

    /**
     * How far the second store is behind.
     *
     * @param location        the second store
     * @param revision        the newest revision it held after the last sync (0 before the first)
     * @param behindRevisions the primary's newest published revision minus {@code revision}
     * @param behindSeconds   how long the second store has not held the primary's newest revision:
     *                        0 when it holds it, else the time since the start of the last sync that
     *                        ended caught up (or since the agent started, if none did)
     * @param lastSync        when the last sync ended, successfully or not
     * @param lastError       why the last sync failed, if it did
     */
    public record Status(String location, long revision, long behindRevisions, long behindSeconds, Optional<Instant> lastSync,
                         Optional<String> lastError) {
    }

    private final Catalog primary;
    private final Catalog secondary;
    private final BackupCopier copier;
    private final Optional<RetentionRunner> retention;
    private final Duration period;
    private final Clock clock;
    private volatile long revision;
    private volatile Instant caughtUpAt;
    private volatile Instant lastSync;
    private volatile String lastError;

    /**
     * @param primary   the primary store's catalog (with its keys)
     * @param secondary a writable catalog of the second store (with the keys it is written with)
     * @param retention retention for the second store; empty for none
     * @param period    how often to sync
     */
    public SecondarySite(Catalog primary, Catalog secondary, Optional<RetentionRunner> retention, Duration period, Clock clock) {
        this.primary = primary;
        this.secondary = secondary;
        this.copier = new BackupCopier(primary, secondary, 4, clock);
        this.retention = retention;
        this.period = period;
        this.clock = clock;
        this.caughtUpAt = clock.instant();
    }

    /** How often {@link #sync()} runs. */
    public Duration period() {
        return period;
    }

    /** Copies what is missing, applies retention, and records how far behind the second store is. Never throws. */
    public void sync() {
        Instant started = clock.instant();
        try {
            long primaryRevision = newest(primary.generations());
            BackupCopier.Result copied = copier.copy(BackupCopier.Selection.all());
            if (retention.isPresent()) {
                retention.get().run(false);
            }
            revision = newest(secondary.generations());
            if (revision >= primaryRevision) {
                caughtUpAt = started;
            }
            lastError = null;
            if (copied.copied() > 0) {
                LOG.info("second store synced store={} objects={} bytes={} revision={}", secondary.store().location(), copied.copied(),
                        copied.bytesWritten(), revision);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException | RuntimeException e) {
            lastError = e.getMessage();
            LOG.warn("second store sync failed, retried next period store={}", secondary.store().location(), e);
        } finally {
            lastSync = clock.instant();
        }
    }

    /** The second store's lag behind {@code primaryRevision} (the newest published revision) at {@code now}. */
    public Status status(long primaryRevision, Instant now) {
        long held = revision;
        long behind = Math.max(0, primaryRevision - held);
        long seconds = behind == 0 ? 0 : Math.max(0, Duration.between(caughtUpAt, now).toSeconds());
        return new Status(secondary.store().location(), held, behind, seconds, Optional.ofNullable(lastSync), Optional.ofNullable(lastError));
    }

    private static long newest(List<Generation> generations) {
        return generations.stream().mapToLong(Generation::lastRevision).max().orElse(0);
    }
}
