package io.etcdbackup.agent.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.etcd.jetcd.Client;
import io.etcdbackup.etcdprocess.testing.MemoryCgroup;
import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.snapshot.catalog.Generation;
import io.etcdbackup.snapshot.testing.EtcdClusterExtension;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.local.LocalStoreProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static io.etcdbackup.stores.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The OCI image {@code scripts/image.sh} builds, tested the only way this machine allows.
 *
 * <p><b>No container can run here</b>: the sandbox refuses crun's {@code setrlimit}, and there is no Docker
 * engine. So the test builds the archive with the script, unpacks its layers in order into a folder, and runs
 * what a container runtime would run, from the image's own configuration: its entrypoint, environment
 * (nothing of the test's), user (65532, supplementary groups dropped) and working directory, with the folder
 * as the root ({@code unshare --root --wd --setuid --setgid --mount-proc} in a mount namespace of its own, gone
 * with the process, with its own /proc and the host's /sys; a few device nodes are created in the folder's /dev).
 * The network is the host's, so the agent in the image reaches an etcd the test starts on loopback.
 *
 * <p>What it shows: {@code --version}; the JVM flags of the image, and that they make the heap half of a 512 MiB
 * memory limit (the JVM run in a memory cgroup of that limit; skipped where no cgroup can be created); {@code server} with etcd-druid's
 * arguments backs up into a Local store under the image's {@code /home/nonroot} (as druid mounts it), as
 * user 65532; {@code restore} in the image (its etcdutl, and its etcd as the scratch server replaying the
 * deltas) rebuilds a data directory that etcd on the host starts from, equal to the source; and the
 * Dockerfile, which cannot be built here, configures the image as the script does.
 *
 * <p>Needs root (buildah, chroot, device nodes) and apt access, as CI has; about two minutes, most of it
 * the build.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ImageIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** The aim for the archive (compressed layers): under 200 MB. */
    private static final long MAX_ARCHIVE_BYTES = 200_000_000L;

    private static Path archive;
    private static Path rootfs;
    private static JsonNode config;
    private static int layers;

    @TempDir
    static Path unpacked;

    @RegisterExtension
    final EtcdClusterExtension etcd = EtcdClusterExtension.members(1);

    @TempDir
    Path dir;

    @BeforeAll
    static void buildAndUnpack() throws Exception {
        assertThat(Files.getAttribute(Path.of("/proc/self"), "unix:uid")).as("ImageIT needs root (buildah, chroot)").isEqualTo(0);
        Path root = Path.of(System.getProperty("project.root", "..")).toAbsolutePath().normalize();
        Path buildLog = AgentProcess.jar().resolveSibling("image-build.log");
        Process build = new ProcessBuilder(root.resolve("scripts/image.sh").toString(), AgentProcess.jar().toString())
                .redirectErrorStream(true).redirectOutput(buildLog.toFile()).start();
        if (!build.waitFor(20, TimeUnit.MINUTES)) {
            AgentProcess.kill(build);
        }
        String log = Files.readString(buildLog);
        assertThat(build.exitValue()).as("scripts/image.sh:\n%s", log).isZero();
        archive = root.resolve("target/image/etcd-backup-agent.oci.tar");
        assertThat(log.strip()).endsWith(archive.toString());

        Path layout = unpacked.resolve("layout");
        rootfs = unpacked.resolve("rootfs");
        Files.createDirectories(layout);
        Files.createDirectories(rootfs);
        run(List.of("tar", "-xf", archive.toString(), "-C", layout.toString()));
        JsonNode index = JSON.readTree(layout.resolve("index.json").toFile());
        assertThat(index.path("manifests")).hasSize(1);
        JsonNode manifest = JSON.readTree(blob(layout, index.path("manifests").get(0).path("digest").asText()).toFile());
        config = JSON.readTree(blob(layout, manifest.path("config").path("digest").asText()).toFile());
        for (JsonNode layer : manifest.path("layers")) {
            assertThat(layer.path("mediaType").asText()).isEqualTo("application/vnd.oci.image.layer.v1.tar+gzip");
            run(List.of("tar", "-xzpf", blob(layout, layer.path("digest").asText()).toString(), "--numeric-owner", "-C", rootfs.toString()));
            layers++;
        }
        try (Stream<Path> files = Files.walk(rootfs)) {
            assertThat(files.filter(p -> p.getFileName().toString().startsWith(".wh."))).as("whiteouts (the layers only add)").isEmpty();
        }
        // What a runtime provides beside the image: device nodes (/proc comes with each run).
        for (String[] node : List.of(new String[] {"null", "1", "3"}, new String[] {"zero", "1", "5"},
                new String[] {"full", "1", "7"}, new String[] {"random", "1", "8"}, new String[] {"urandom", "1", "9"})) {
            run(List.of("mknod", "-m", "666", rootfs.resolve("dev").resolve(node[0]).toString(), "c", node[1], node[2]));
        }
    }

    @Test
    @Order(1)
    void theImageIsConfiguredAsDruidRunsItSmallAndTheDockerfileSaysTheSame() throws Exception {
        JsonNode c = config.path("config");
        assertThat(c.path("User").asText()).isEqualTo("65532:65532");
        assertThat(c.path("WorkingDir").asText()).isEqualTo("/home/nonroot");
        assertThat(strings(c.path("Entrypoint"))).containsExactly("/opt/java/bin/java", "-jar", "/opt/etcd-backup-agent/etcd-backup-agent.jar");
        assertThat(c.path("Cmd").isMissingNode() || c.path("Cmd").isNull() || c.path("Cmd").isEmpty()).as("no Cmd: druid's args follow the entrypoint").isTrue();
        assertThat(environment()).containsEntry("HOME", "/home/nonroot").containsEntry("JAVA_HOME", "/opt/java")
                .containsEntry("JAVA_TOOL_OPTIONS", "-XX:MaxRAMPercentage=50 -XX:+ExitOnOutOfMemoryError");
        assertThat(layers).as("the root file system, then the jar").isEqualTo(2);
        assertThat(Files.size(archive)).as("archive size (the README's Image section gives it)").isLessThan(MAX_ARCHIVE_BYTES);

        assertThat(Files.getAttribute(rootfs.resolve("home/nonroot"), "unix:uid")).isEqualTo(65532);
        assertThat(Files.getAttribute(rootfs.resolve("tmp"), "unix:mode")).isEqualTo(01777 | 0040000);
        assertThat(Files.readString(rootfs.resolve("etc/passwd"))).contains("nonroot:x:65532:65532:nonroot:/home/nonroot:");
        for (String tool : List.of("usr/bin/etcd", "usr/bin/etcdctl", "usr/bin/etcdutl", "opt/java/bin/java")) {
            assertThat(rootfs.resolve(tool)).isExecutable();
        }
        assertThat(Files.size(rootfs.resolve("etc/ssl/certs/ca-certificates.crt"))).isGreaterThan(100_000);
        assertThat(rootfs.resolve("opt/java/lib/security/cacerts")).isRegularFile();

        // The Dockerfile (no Docker engine here to build it) must configure the same image.
        Dockerfile dockerfile = Dockerfile.ofProject();
        assertThat(dockerfile.user).isEqualTo(c.path("User").asText());
        assertThat(dockerfile.workdir).isEqualTo(c.path("WorkingDir").asText());
        assertThat(dockerfile.stopSignal).isEqualTo(c.path("StopSignal").asText());
        assertThat(dockerfile.entrypoint).isEqualTo(strings(c.path("Entrypoint")));
        assertThat(dockerfile.env).isEqualTo(environment());
        assertThat(dockerfile.expose).containsExactlyInAnyOrderElementsOf(fieldNames(c.path("ExposedPorts")));
    }

    @Test
    @Order(2)
    void versionAndTheJvmFlagsRunInTheImage() throws Exception {
        Result version = runInImage(Map.of(), entrypoint("--version"));
        assertThat(version.exitCode()).as(version.output()).isZero();
        assertThat(version.output()).containsPattern("(?m)^etcd-backup-agent \\S+");

        // The heap follows the memory limit: MaxRAMPercentage from the image's JAVA_TOOL_OPTIONS.
        Result flags = runInImage(Map.of(), List.of("/opt/java/bin/java", "-XX:+PrintFlagsFinal", "-version"));
        assertThat(flags.exitCode()).as(flags.output()).isZero();
        assertThat(flags.output()).containsPattern("MaxRAMPercentage\\s+= 50\\.0+\\s+\\{product\\} \\{environment\\}")
                .containsPattern("ExitOnOutOfMemoryError\\s+= true\\s+\\{product\\} \\{environment\\}")
                .contains("openjdk version \"17.");
    }

    @Test
    @Order(3)
    void theHeapIsHalfOfTheMemoryLimit_skippedWithoutAWritableMemoryCgroup() throws Exception {
        long limit = 512L * 1024 * 1024;
        Optional<MemoryCgroup> group = MemoryCgroup.create("eba-image-it-" + ProcessHandle.current().pid(), limit);
        assumeTrue(group.isPresent(), "no memory cgroup can be created here: the heap's limit is not checked");
        try (MemoryCgroup cgroup = group.get()) { // empty once the JVM has exited: removed
            Result flags = runInImage(Map.of(), List.of("/opt/java/bin/java", "-XX:+PrintFlagsFinal", "-version"), group.map(MemoryCgroup::path));
            assertThat(flags.exitCode()).as(flags.output()).isZero();
            assertThat(flags.output()).containsPattern("MaxHeapSize\\s+= " + limit / 2 + "\\s");
        }
    }

    @Test
    @Order(4)
    void theServerInTheImageBacksUpWithDruidsArgumentsAndRestoreInTheImageRebuildsTheSource() throws Exception {
        Path varEtcd = rootfs.resolve("var/etcd");
        Files.createDirectories(varEtcd.resolve("data"));
        run(List.of("chown", "-R", "65532:65532", varEtcd.toString())); // druid's volume, writable by the pod's fsGroup
        Path storeDir = rootfs.resolve("home/nonroot/etcd-backups/etcd-main"); // $HOME/$STORAGE_CONTAINER/--store-prefix
        Map<String, String> pod = Map.of("STORAGE_CONTAINER", "etcd-backups");
        Client source = etcd.client();
        new Workload(source, 1).run(100);

        List<String> serverArgs = DruidArgumentsIT.druidServerArguments(etcd.endpoints(), "/var/etcd/data");
        Path serverLog = dir.resolve("server.log");
        ProcessBuilder builder = inImage(pod, entrypoint(serverArgs.toArray(String[]::new)));
        Process server = builder.redirectErrorStream(true).redirectOutput(serverLog.toFile()).start();
        long captured;
        try {
            AgentProcess.awaitHttpPort(serverLog, server);
            new Workload(source, 2).run(150, false);
            long written = Keyspace.read(source, 0).revision();
            Generation chain = await("a full snapshot and a delta segment up to revision " + written, Duration.ofSeconds(60),
                    () -> latest(storeDir), g -> g.isPresent() && g.get().lastRevision() >= written && !g.get().deltas().isEmpty())
                    .orElseThrow();
            assertThat(chain.fulls()).isNotEmpty();
            captured = chain.lastRevision();
        } finally {
            assertThat(AgentProcess.stop(server)).as("exited on SIGTERM").isTrue();
        }
        String log = Files.readString(serverLog);
        assertThat(server.exitValue()).as(log).isZero();
        assertThat(log).contains("server started store=file:///home/nonroot/etcd-backups/etcd-main");
        try (Stream<Path> files = Files.walk(storeDir)) {
            assertThat(files.filter(Files::isRegularFile).toList()).isNotEmpty().allSatisfy(
                    f -> assertThat(Files.getAttribute(f, "unix:uid")).as("%s written by the image's user", f).isEqualTo(65532));
        }

        long last = latest(storeDir).orElseThrow().lastRevision();
        assertThat(last).isGreaterThanOrEqualTo(captured);
        Keyspace expected = Keyspace.read(source, last);
        try (RestoredEtcd restored = new RestoredEtcd()) {
            List<String> restore = new ArrayList<>(List.of("restore", "--storage-provider=Local", "--store-prefix=etcd-main",
                    "--data-dir=/var/etcd/restored.etcd", "--restoration-temp-snapshots-dir=/var/etcd/restoration.temp"));
            restore.addAll(restored.restoreFlags());
            Result result = runInImage(pod, entrypoint(restore.toArray(String[]::new)));
            assertThat(result.exitCode()).as(result.output()).isZero();
            assertThat(result.output()).contains("revision=" + last);
            Keyspace actual = Keyspace.read(restored.start(etcd.binaries(), varEtcd.resolve("restored.etcd")), 0);
            assertThat(actual.revision()).isEqualTo(last);
            assertThat(actual.keys()).isEqualTo(expected.keys());
        }
    }

    // --- running in the unpacked image ------------------------------------------------------

    /** What a finished run left: exit code, and standard output and error together. */
    record Result(int exitCode, String output) {
    }

    private static List<String> entrypoint(String... args) {
        List<String> command = new ArrayList<>(strings(config.path("config").path("Entrypoint")));
        command.addAll(List.of(args));
        return command;
    }

    /**
     * {@code command} as a runtime would run it in the image: the image's environment (plus {@code podEnv}) and
     * nothing of the test's, its user, its working directory, the unpacked folder as the root, a private /proc and
     * the host's /sys (where the JVM reads its cgroup's memory limit), in a mount namespace of its own that ends with
     * the process. With a {@code memoryCgroup}, the process runs in it (as a container in its pod's).
     */
    private static ProcessBuilder inImage(Map<String, String> podEnv, List<String> command, Optional<Path> memoryCgroup) {
        String[] user = config.path("config").path("User").asText().split(":");
        String enter = "set -e; mount --rbind /sys \"$0/sys\"; if [ -n \"$1\" ]; then echo $$ > \"$1/cgroup.procs\"; fi; shift;"
                + " exec /usr/bin/unshare --root=\"$0\" --mount-proc=/proc --wd=" + config.path("config").path("WorkingDir").asText()
                + " --setgid=" + user[1] + " --setuid=" + user[0] + " -- \"$@\"";
        List<String> full = new ArrayList<>(List.of("/usr/bin/unshare", "--mount", "--propagation", "private", "/bin/sh", "-c", enter,
                rootfs.toString(), memoryCgroup.map(Path::toString).orElse("")));
        full.addAll(command);
        ProcessBuilder builder = new ProcessBuilder(full);
        builder.environment().clear();
        builder.environment().putAll(environment());
        builder.environment().putAll(podEnv);
        return builder;
    }

    private static ProcessBuilder inImage(Map<String, String> podEnv, List<String> command) {
        return inImage(podEnv, command, Optional.empty());
    }

    private static Result runInImage(Map<String, String> podEnv, List<String> command) throws Exception {
        return runInImage(podEnv, command, Optional.empty());
    }

    private static Result runInImage(Map<String, String> podEnv, List<String> command, Optional<Path> memoryCgroup) throws Exception {
        Path output = Files.createTempFile("image-run", ".log");
        try {
            Process process = inImage(podEnv, command, memoryCgroup).redirectErrorStream(true).redirectOutput(output.toFile()).start();
            if (!process.waitFor(5, TimeUnit.MINUTES)) {
                AgentProcess.kill(process);
                throw new IllegalStateException("did not finish in 5 minutes: " + command + "\n" + Files.readString(output));
            }
            return new Result(process.exitValue(), Files.readString(output));
        } finally {
            Files.deleteIfExists(output);
        }
    }

    private static Map<String, String> environment() {
        Map<String, String> env = new LinkedHashMap<>();
        for (String entry : strings(config.path("config").path("Env"))) {
            env.put(entry.substring(0, entry.indexOf('=')), entry.substring(entry.indexOf('=') + 1));
        }
        return env;
    }

    private static Optional<Generation> latest(Path storeDir) throws Exception {
        if (!Files.isDirectory(storeDir)) {
            return Optional.empty();
        }
        try (ObjectStore store = LocalStoreProvider.at(storeDir)) {
            return new Catalog(store).latest();
        }
    }

    private static Path blob(Path layout, String digest) {
        return layout.resolve("blobs").resolve(digest.replace(':', '/'));
    }

    private static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asText()));
        return values;
    }

    private static List<String> fieldNames(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static void run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor()).as("%s: %s", command, output).isZero();
    }

    /** The final stage of the Dockerfile: the instructions that make the image's configuration. */
    static final class Dockerfile {
        String user;
        String workdir;
        String stopSignal;
        List<String> entrypoint = List.of();
        final Map<String, String> env = new LinkedHashMap<>();
        final List<String> expose = new ArrayList<>();

        /** The project's own Dockerfile. */
        static Dockerfile ofProject() throws IOException {
            return read(Path.of(System.getProperty("project.root", "..")).resolve("Dockerfile"));
        }

        /** The JVM flags the image ships (its JAVA_TOOL_OPTIONS), for runs that should behave as the image does. */
        static String javaToolOptions() throws IOException {
            return ofProject().env.get("JAVA_TOOL_OPTIONS");
        }

        static Dockerfile read(Path file) throws IOException {
            // Join continued lines, drop comments, keep the instructions after the last FROM.
            String text = Files.readString(file).replaceAll("(?m)^\\s*#.*\\n", "").replaceAll("\\\\\\n\\s*", " ");
            List<String> lines = text.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
            int last = 0;
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).toUpperCase().startsWith("FROM ")) {
                    last = i;
                }
            }
            Dockerfile d = new Dockerfile();
            Pattern pair = Pattern.compile("(\\w+)=(\"(?:[^\"\\\\]|\\\\.)*\"|\\S+)");
            for (String line : lines.subList(last, lines.size())) {
                String instruction = line.split("\\s+", 2)[0].toUpperCase();
                String rest = line.contains(" ") ? line.substring(line.indexOf(' ') + 1).strip() : "";
                switch (instruction) {
                    case "USER" -> d.user = rest;
                    case "WORKDIR" -> d.workdir = rest;
                    case "STOPSIGNAL" -> d.stopSignal = rest;
                    case "ENTRYPOINT" -> d.entrypoint = strings(JSON.readTree(rest));
                    case "EXPOSE" -> d.expose.addAll(List.of(rest.split("\\s+")));
                    case "ENV" -> {
                        Matcher m = pair.matcher(rest);
                        while (m.find()) {
                            String value = m.group(2);
                            d.env.put(m.group(1), value.startsWith("\"") ? value.substring(1, value.length() - 1).replace("\\\"", "\"") : value);
                        }
                    }
                    default -> {
                    }
                }
            }
            return d;
        }
    }
}
