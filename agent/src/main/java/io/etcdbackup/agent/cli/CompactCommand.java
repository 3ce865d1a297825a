package io.etcdbackup.agent.cli;

import io.etcdbackup.agent.config.EffectiveConfig;
import io.etcdbackup.agent.config.ProcessEnvironment;
import io.etcdbackup.agent.lease.LeaseRenewal;
import io.etcdbackup.agent.lease.LeaseSettings;
import io.etcdbackup.compaction.Compactor;
import io.etcdbackup.restore.Restorer;
import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.snapshot.catalog.CatalogWriter;
import io.etcdbackup.stores.ObjectStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/** Fold the latest chain into a new base full snapshot, offline, from the store alone. */
@Command(name = "compact", mixinStandardHelpOptions = true,
        description = {"Fold the latest chain (newest full snapshot and the delta segments after it) into a new full snapshot of "
                + "the same generation: replayed into a scratch etcd on loopback, compacted at its last revision and "
                + "defragmented. Restores of the latest state then start there; earlier points stay restorable while "
                + "retention keeps the older objects. Needs etcd and etcdctl (--etcd-bin-dir or the PATH), not the live cluster.",
                "Exit codes: 0 compacted, or nothing to do (said on stdout); 1 failed (nothing was changed); 2 bad usage."})
final class CompactCommand implements Callable<Integer>, Main.Validated {

    private static final Logger LOG = LoggerFactory.getLogger(CompactCommand.class);

    private final ProcessEnvironment env;

    /** @param env who this process is ({@link ProcessEnvironment#writerId}), for the catalog's writer records */
    CompactCommand(ProcessEnvironment env) {
        this.env = env;
    }

    @Mixin
    StoreOptions store;

    @Mixin
    RestoreOptions restore;

    @Mixin
    CompressionOptions compression;

    @Mixin
    LeaseOptions leases;

    @Mixin
    ReferenceCompactOptions reference;

    @Spec
    CommandSpec spec;

    /** The full-snapshot Lease to renew after compacting (etcd-druid's compaction Job asks for it); empty when off. */
    private Optional<LeaseSettings> fullLease = Optional.empty();

    @Override
    public List<String> problems() {
        EffectiveConfig config = new EffectiveConfig(spec);
        reference.apply(config);
        store.validate(config);
        restore.validate(config);
        compression.validate(config);
        // Only the snapshot Leases: compact runs beside no member.
        fullLease = leases.parse(config, env, "compact").flatMap(l -> l.snapshots()
                .map(names -> new LeaseSettings(l.namespace(), l.createMissing(), Optional.of(names), Optional.empty())));
        return config.problems();
    }

    @Override
    public Integer call() throws Exception {
        Restorer.Settings restoreSettings = restore.settings();
        Path scratch = restoreSettings.scratchRoot() != null ? restoreSettings.scratchRoot() : Files.createTempDirectory("eba-compact");
        try (ObjectStore objects = store.open()) {
            Catalog catalog = new Catalog(objects, new CatalogWriter(objects, env.writerId(), Clock.systemUTC())).withEncryption(store.encryption());
            Compactor.Result result = new Compactor(catalog,
                    new Compactor.Settings(restoreSettings, scratch, compression.codec(), compression.level()),
                    Clock.systemUTC()).compact();
            PrintWriter out = spec.commandLine().getOut();
            if (result.compacted()) {
                fullLease.ifPresent(l -> renewFullLease(l, result));
                out.println("compacted " + result.full().get().key() + " revision=" + result.full().get().revision()
                        + " bytes=" + result.full().get().size() + " deltas_folded=" + result.deltasFolded()
                        + " revisions_folded=" + result.revisionsFolded() + " took=" + result.took().toMillis() + "ms");
            } else {
                out.println("nothing to compact: " + result.reason());
            }
            out.flush();
            return 0;
        } finally {
            if (restoreSettings.scratchRoot() == null) {
                Files.deleteIfExists(scratch);
            }
        }
    }

    /**
     * Writes the compacted snapshot's revision into the full-snapshot Lease, as the reference's compact does: etcd-druid
     * starts another compaction Job while that Lease trails the delta Lease by its threshold. A failed write is logged.
     */
    private static void renewFullLease(LeaseSettings settings, Compactor.Result result) {
        // No member Lease, so LeaseRenewal needs no etcd client.
        try (LeaseRenewal renewal = LeaseRenewal.start(settings, null, Clock.systemUTC())) {
            renewal.backupListener().fullTaken(result.took(), result.full().orElseThrow());
        } catch (RuntimeException e) {
            LOG.warn("full snapshot lease not renewed lease={} revision={}", settings.snapshots().orElseThrow().full(),
                    result.full().orElseThrow().revision(), e);
        }
    }
}
