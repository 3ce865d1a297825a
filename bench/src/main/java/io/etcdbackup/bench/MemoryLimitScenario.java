package io.etcdbackup.bench;

import static io.etcdbackup.bench.Harness.MIB;

import io.etcd.jetcd.Client;
import io.etcdbackup.etcdprocess.EtcdProcess;
import io.etcdbackup.etcdprocess.testing.MemoryCgroup;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rows 4m: the sidecar under a container's memory limit. First what an idle {@code server} is
 * made of (the JVM's native memory tracking beside its resident anonymous memory), then, for each
 * limit, a {@code server} in a memory cgroup of that limit, run with the image's JVM flags (the
 * Dockerfile's JAVA_TOOL_OPTIONS), taking a full snapshot of the bench's database while deltas of
 * 2,000 writes/s flow with a 1 s period: killed by the kernel or not, its peak RSS, and the
 * snapshot's time. Rows say "not measured" where no memory cgroup can be created.
 */
final class MemoryLimitScenario {

    private static final List<Long> LIMITS_MIB = List.of(128L, 192L, 256L);
    /** The limit the idle server runs under, so that the JVM sizes itself as in a container (the CI test's limit). */
    private static final long IDLE_LIMIT_MIB = 256;
    private static final Pattern NMT = Pattern.compile("-\\s+(.+?) \\(reserved=\\d+KB, committed=(\\d+)KB");
    private static final Pattern TOOL_OPTIONS = Pattern.compile("JAVA_TOOL_OPTIONS=\"([^\"]*)\"");

    private final Harness harness;
    private final Table table;
    private final Path repo;

    MemoryLimitScenario(Harness harness, Table table, Path repo) {
        this.harness = harness;
        this.table = table;
        this.repo = repo;
    }

    void run(Client client, EtcdProcess etcd, long dbBytes, int keys) throws Exception {
        Harness.step("4m. sidecar under a memory limit: idle composition, then a full snapshot under 2,000 writes/s in memory cgroups of "
                + LIMITS_MIB + " MiB");
        List<String> imageFlags = imageFlags();
        Optional<MemoryCgroup> idleGroup = MemoryCgroup.create("eba-bench-" + ProcessHandle.current().pid() + "-idle", IDLE_LIMIT_MIB * MIB);
        if (idleGroup.isEmpty()) {
            table.unmeasured("4m sidecar in a memory cgroup: none can be created here (needs root and a writable cgroup file system)");
            return;
        }
        try (MemoryCgroup cgroup = idleGroup.get()) {
            idleComposition(etcd, cgroup, imageFlags);
        }
        for (long limit : LIMITS_MIB) {
            Optional<MemoryCgroup> group = MemoryCgroup.create("eba-bench-" + ProcessHandle.current().pid() + "-" + limit, limit * MIB);
            if (group.isEmpty()) {
                table.unmeasured("4m sidecar in a memory cgroup: none can be created here (needs root and a writable cgroup file system)");
                return;
            }
            try (MemoryCgroup cgroup = group.get()) {
                underLimit(client, etcd, cgroup, limit, imageFlags, dbBytes, keys);
            }
        }
    }

    /** The image's JVM flags, from the Dockerfile (the chart sets the same through its values). */
    private List<String> imageFlags() throws Exception {
        String dockerfile = Files.readString(repo.resolve("Dockerfile"), StandardCharsets.UTF_8).replaceAll("\\\\\\n\\s*", " ");
        Matcher m = TOOL_OPTIONS.matcher(dockerfile);
        if (!m.find()) {
            throw new IllegalStateException("no JAVA_TOOL_OPTIONS=\"...\" in the Dockerfile");
        }
        return List.of(m.group(1).trim().split("\\s+"));
    }

    private void idleComposition(EtcdProcess etcd, MemoryCgroup cgroup, List<String> imageFlags) throws Exception {
        List<String> jvmOptions = new ArrayList<>(imageFlags);
        jvmOptions.add("-XX:NativeMemoryTracking=summary");
        SidecarServer server = SidecarServer.start(harness, etcd.clientUrl().toString(), "file://" + harness.work().resolve("store-idle"),
                new SidecarServer.Launch(jvmOptions, Map.of(), List.of(), Optional.of(cgroup)), "server-idle-nmt");
        Map<String, Long> committedKib;
        long anonKib;
        try {
            server.awaitStartSnapshot();
            HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.discarding());
            long pid = server.child().pid();
            String summary = Child.run(List.of(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(), Long.toString(pid),
                    "VM.native_memory", "summary"), Map.of(), harness.work().resolve("logs/jcmd-nmt"), Duration.ofMinutes(1)).stdout();
            committedKib = new LinkedHashMap<>();
            Matcher m = NMT.matcher(summary);
            while (m.find()) {
                committedKib.merge(m.group(1).trim(), Long.parseLong(m.group(2)), Long::sum);
            }
            anonKib = statusKib(pid, "RssAnon:");
        } finally {
            server.stop();
        }
        long heap = committedKib.getOrDefault("Java Heap", 0L);
        long classes = committedKib.getOrDefault("Class", 0L) + committedKib.getOrDefault("Metaspace", 0L)
                + committedKib.getOrDefault("Shared class space", 0L) + committedKib.getOrDefault("Symbol", 0L);
        long code = committedKib.getOrDefault("Code", 0L) + committedKib.getOrDefault("Compiler", 0L) + committedKib.getOrDefault("Arena Chunk", 0L);
        long threads = committedKib.getOrDefault("Thread", 0L);
        long direct = committedKib.getOrDefault("Other", 0L);
        long tracked = committedKib.values().stream().mapToLong(Long::longValue).sum();
        String setup = "idle server after its first snapshot, image flags, " + IDLE_LIMIT_MIB + " MiB memory cgroup";
        double anon = anonKib / 1024.0;
        addPart("4m idle: resident anonymous memory (RssAnon)", setup, anon, anon, "NMT total committed " + tracked / 1024 + " MiB");
        addPart("4m idle: heap committed", setup, heap / 1024.0, anon, "");
        addPart("4m idle: class metadata (metaspace, class space, CDS, symbols)", setup, classes / 1024.0, anon,
                String.format(Locale.ROOT, "metaspace %d MiB", committedKib.getOrDefault("Metaspace", 0L) / 1024));
        addPart("4m idle: JIT code and compiler arenas", setup, code / 1024.0, anon, "");
        addPart("4m idle: thread stacks (touched)", setup, threads / 1024.0, anon, "");
        addPart("4m idle: direct buffers and other JVM mallocs (NMT Other)", setup, direct / 1024.0, anon, "gRPC's pooled buffers");
        addPart("4m idle: native memory NMT does not see", setup, Math.max(0, anonKib - tracked) / 1024.0, anon,
                "RssAnon minus NMT's committed total: zstd's contexts, glibc arenas; negative parts of NMT are file-backed");
    }

    private void addPart(String figure, String setup, double mib, double anonMib, String note) {
        table.add(new Table.Row(figure, setup, mib, "MiB", "idle RssAnon", anonMib, "MiB", note));
    }

    private void underLimit(Client client, EtcdProcess etcd, MemoryCgroup cgroup, long limitMib, List<String> imageFlags, long dbBytes, int keys)
            throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        Thread load = new Thread(() -> {
            try {
                Workload.steady(client.getKVClient(), 2000, Duration.ofMinutes(10), keys, 11, stop::get);
            } catch (Exception e) {
                // the figures below say what happened to the server; the load only has to flow
            }
        }, "load-" + limitMib);
        SidecarServer server = SidecarServer.start(harness, etcd.clientUrl().toString(), "file://" + harness.work().resolve("store-limit-" + limitMib),
                new SidecarServer.Launch(imageFlags, Map.of(), List.of("--delta-period", "1s"), Optional.of(cgroup)), "server-limit-" + limitMib);
        String setup = String.format(Locale.ROOT, "%d MiB memory cgroup, image flags, %.0f MiB db, 2000 writes/s, delta period 1 s", limitMib,
                dbBytes / (double) MIB);
        String outcome;
        double snapshotSeconds = Double.NaN;
        try {
            server.awaitStartSnapshot();
            load.start();
            snapshotSeconds = server.snapshot().seconds();
            outcome = "full snapshot done";
        } catch (Exception e) {
            outcome = server.child().isAlive() ? "failed: " + e.getMessage() : "the server died";
        } finally {
            stop.set(true);
            if (load.isAlive()) {
                load.join(120_000);
            }
        }
        Child.Result result = server.stop();
        long kills = cgroup.oomKills();
        String note = (kills > 0 ? "OOM-KILLED by the kernel (" + kills + ")" : "no OOM kill") + "; " + outcome
                + (Double.isNaN(snapshotSeconds) ? "" : String.format(Locale.ROOT, " in %.1f s", snapshotSeconds))
                + cgroup.peakBytes().map(b -> "; group peak " + (b >> 20) + " MiB incl. page cache").orElse("");
        table.add(new Table.Row("4m sidecar peak RSS under a memory limit", setup, result.peakRssBytes() / (double) MIB, "MiB", "the limit",
                limitMib, "MiB", note));
    }

    private static long statusKib(long pid, String field) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"), StandardCharsets.UTF_8)) {
            if (line.startsWith(field)) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no " + field + " in /proc/" + pid + "/status");
    }
}
