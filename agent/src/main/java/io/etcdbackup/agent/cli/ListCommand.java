package io.etcdbackup.agent.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.etcdbackup.agent.config.EffectiveConfig;
import io.etcdbackup.agent.restore.BackupSources;
import io.etcdbackup.restore.BackupSource;
import io.etcdbackup.restore.SnapshotExclusions;
import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.snapshot.catalog.CatalogState;
import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
import io.etcdbackup.snapshot.catalog.FullSnapshotRef;
import io.etcdbackup.snapshot.catalog.Generation;
import io.etcdbackup.snapshot.catalog.GenerationInfo;
import io.etcdbackup.stores.ObjectStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/** What the store holds. */
@Command(name = "list", mixinStandardHelpOptions = true,
        description = "Show generations, full snapshots and delta segments with revisions, sizes and times.")
final class ListCommand implements Callable<Integer>, Main.Validated {

    @Mixin
    StoreOptions store;

    @Option(names = "--output", defaultValue = "text", paramLabel = "FORMAT", description = "text or json (default: ${DEFAULT-VALUE}).")
    String output;

    @Option(names = "--summary", description = "One line per delta chain instead of one per segment.")
    boolean summary;

    @Option(names = "--retention", description = "Mark what the retention policy (the --gc-* options) would delete next.")
    boolean showRetention;

    @picocli.CommandLine.Mixin
    RetentionOptions retention;

    private java.util.Map<String, String> wouldDelete = java.util.Map.of();
    private java.util.Set<String> excluded = java.util.Set.of();

    @Spec
    CommandSpec spec;

    @Override
    public List<String> problems() {
        EffectiveConfig config = new EffectiveConfig(spec);
        store.validate(config);
        return config.problems();
    }

    @Override
    public Integer call() throws Exception {
        if (!output.equals("text") && !output.equals("json")) {
            throw new IllegalArgumentException("--output must be text or json, got '" + output + "'");
        }
        try (ObjectStore objects = store.open()) {
            Catalog catalog = new Catalog(objects);
            // One read of the index serves everything below; without an index, the listing.
            Optional<CatalogState> index = catalog.index();
            List<Generation> generations = index.isPresent() ? index.get().toGenerations() : catalog.generationsFromListing();
            Map<String, GenerationInfo> infos = new LinkedHashMap<>();
            for (Generation g : generations) {
                Optional<GenerationInfo> info = index.isPresent()
                        ? index.get().generation(g.id()).map(CatalogState.GenerationEntry::info)
                        : catalog.generationInfo(g.id());
                info.ifPresent(i -> infos.put(g.id(), i));
            }
            if (showRetention) {
                wouldDelete = new java.util.HashMap<>();
                for (var deletion : retention.policy().decide(generations, java.time.Instant.now()).deletions()) {
                    wouldDelete.put(deletion.key(), deletion.reason());
                }
            }
            // Labels are read per object: every full snapshot, and the delta segments when each is shown.
            List<String> labelled = new ArrayList<>();
            for (Generation g : generations) {
                g.fulls().forEach(f -> labelled.add(f.key()));
                if (!summary) {
                    g.deltas().forEach(d -> labelled.add(d.key()));
                }
            }
            excluded = new SnapshotExclusions(objects).excludedAmong(labelled);
            List<Generation> imported = new ArrayList<>();
            for (BackupSource source : BackupSources.imported(objects)) {
                imported.addAll(source.generations());
            }
            if (output.equals("json")) {
                printJson(objects.location(), index, generations, infos, imported, wouldDelete, excluded, System.out);
            } else {
                printText(objects.location(), index, generations, infos, System.out);
                printImported(imported, System.out);
            }
            return 0;
        }
    }

    /** Backups of other tools found under the same prefix (read by restore when ours are absent). */
    private static void printImported(List<Generation> imported, PrintStream out) {
        for (Generation chain : imported) {
            out.printf(Locale.ROOT, "imported chain %s  last revision %d  %d full, %d delta  %s%n", chain.id(), chain.lastRevision(),
                    chain.fulls().size(), chain.deltas().size(), bytes(chain.totalBytes()));
            for (FullSnapshotRef f : chain.fulls()) {
                out.printf(Locale.ROOT, "  full   revision %-12d %s  %10s  %s%n", f.revision(), f.createdAt(), bytes(f.size()), f.key());
            }
            for (DeltaSegmentRef d : chain.deltas()) {
                out.printf(Locale.ROOT, "  delta  revisions %d..%d  %s  %10s  %s%n", d.firstRevision(), d.lastRevision(),
                        d.publishedAt(), bytes(d.size()), d.key());
            }
        }
    }

    private void printText(String location, Optional<CatalogState> index, List<Generation> generations,
                           Map<String, GenerationInfo> infos, PrintStream out) {
        out.println("store " + location);
        index.ifPresent(i -> out.printf(Locale.ROOT, "catalog version %d, epoch %d, written by %s at %s%n",
                i.sequence(), i.epoch(), i.writer(), i.updatedAt()));
        if (generations.isEmpty()) {
            out.println("no backups of this agent");
            return;
        }
        for (Generation g : generations) {
            Optional<GenerationInfo> info = Optional.ofNullable(infos.get(g.id()));
            out.printf(Locale.ROOT, "generation %s  last revision %d  %d full, %d delta  %s%n", g.id(), g.lastRevision(),
                    g.fulls().size(), g.deltas().size(), bytes(g.totalBytes()));
            info.ifPresent(i -> out.println("  started " + i.startedAt() + ": " + i.reason()));
            for (FullSnapshotRef f : g.fulls()) {
                out.printf(Locale.ROOT, "  full   revision %-12d %s  %10s  %s%s%n", f.revision(), f.createdAt(), bytes(f.size()), f.key(),
                        mark(f.key()));
            }
            if (g.deltas().isEmpty()) {
                continue;
            }
            if (summary) {
                DeltaSegmentRef first = g.deltas().get(0);
                DeltaSegmentRef last = g.deltas().get(g.deltas().size() - 1);
                out.printf(Locale.ROOT, "  deltas revisions %d..%d  %d segments  %s  %s .. %s%n", first.firstRevision(),
                        last.lastRevision(), g.deltas().size(), bytes(g.deltas().stream().mapToLong(DeltaSegmentRef::size).sum()),
                        first.publishedAt(), last.publishedAt());
            } else {
                for (DeltaSegmentRef d : g.deltas()) {
                    out.printf(Locale.ROOT, "  delta  revisions %d..%d  %s  %10s  %s%s%s%n", d.firstRevision(), d.lastRevision(),
                            d.publishedAt(), bytes(d.size()), d.key(), d.level() > 0 ? "  merged level " + d.level() : "", mark(d.key()));
                }
            }
        }
        if (showRetention) {
            out.println("retention (" + retention.policy + ") would delete next: " + wouldDelete.size() + " objects");
        }
        int locked = index.map(i -> i.lockedObjects().size()).orElse(0);
        if (locked > 0) {
            out.println(locked + " objects out of the catalog wait for the store's lock to expire before retention deletes them");
        }
    }

    private String mark(String key) {
        String reason = wouldDelete.get(key);
        return (excluded.contains(key) ? "  [excluded from restores: " + SnapshotExclusions.LABEL + "=true]" : "")
                + (reason == null ? "" : "  [retention would delete: " + reason + "]");
    }

    private static void printJson(String location, Optional<CatalogState> index, List<Generation> generations,
                                  Map<String, GenerationInfo> infos, List<Generation> imported, Map<String, String> wouldDelete,
                                  java.util.Set<String> excluded, PrintStream out) throws Exception {
        ObjectMapper json = new ObjectMapper().registerModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).enable(SerializationFeature.INDENT_OUTPUT);
        List<Map<String, Object>> list = new ArrayList<>();
        for (Generation g : generations) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("id", g.id());
            entry.put("lastRevision", g.lastRevision());
            entry.put("bytes", g.totalBytes());
            entry.put("info", infos.get(g.id()));
            entry.put("fulls", g.fulls());
            entry.put("deltas", g.deltas());
            list.add(entry);
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("store", location);
        root.put("catalog", index.map(i -> Map.of("version", i.sequence(), "epoch", i.epoch(), "writer", i.writer(),
                "updatedAt", i.updatedAt().toString())).orElse(null));
        root.put("generations", list);
        root.put("imported", imported);
        root.put("retentionWouldDelete", wouldDelete);
        root.put("excludedFromRestores", excluded);
        root.put("lockedObjects", index.map(i -> i.lockedObjects().stream()
                .map(r -> Map.of("key", r.key(), "retryAt", r.lockedUntil().toString())).toList()).orElse(List.of()));
        out.println(json.writeValueAsString(root));
    }

    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double value = n;
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
    }
}
