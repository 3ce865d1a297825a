package io.etcdbackup.plugins.azure;

import com.azure.storage.blob.BlobServiceClientBuilder;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Azurite's blob service as a child process on a free loopback port, keeping its data on disk in
 * a temp directory ({@code --location}). Installed by {@code scripts/azurite.sh}; if that or the
 * start fails, {@link #start()} throws: these tests fail loudly rather than skip.
 */
public final class Azurite implements AutoCloseable {

    /** Azurite's well-known development account; the key is public and documented by Microsoft. */
    static final String ACCOUNT = "devstoreaccount1";
    static final String KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final Process process;
    private final Path location;
    private final Path log;
    private final int port;

    private Azurite(Process process, Path location, Path log, int port) {
        this.process = process;
        this.location = location;
        this.log = log;
        this.port = port;
    }

    public static Azurite start() throws IOException, InterruptedException {
        Path binary = install();
        Path location = Files.createTempDirectory("azurite-");
        Path log = location.resolve("azurite.log");
        int port = freePort();
        Process process = new ProcessBuilder(binary.toString(),
                "--blobHost", "127.0.0.1", "--blobPort", Integer.toString(port),
                "--location", location.resolve("data").toString(),
                "--disableTelemetry", "--skipApiVersionCheck")
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        Azurite azurite = new Azurite(process, location, log, port);
        try {
            azurite.awaitPort();
        } catch (IOException | RuntimeException | InterruptedException e) {
            azurite.close(); // never leave the emulator running
            throw e;
        }
        return azurite;
    }

    /** Runs the project's install script; returns the azurite-blob launcher it prints. */
    private static Path install() throws IOException, InterruptedException {
        String root = System.getProperty("project.root");
        String script = System.getProperty("azurite.script", root == null ? "scripts/azurite.sh" : root + "/scripts/azurite.sh");
        Process install = new ProcessBuilder("bash", script).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(install.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!install.waitFor(5, TimeUnit.MINUTES) || install.exitValue() != 0) {
            throw new IllegalStateException("Azurite could not be installed: '" + script + "' failed (exit "
                    + (install.isAlive() ? "timeout" : install.exitValue()) + "); it needs node 20 and npm");
        }
        List<String> lines = out.lines().toList();
        Path binary = Path.of(lines.get(lines.size() - 1));
        if (!Files.isExecutable(binary)) {
            throw new IllegalStateException("Azurite install script printed '" + binary + "', which is not an executable");
        }
        return binary;
    }

    private void awaitPort() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Azurite exited with " + process.exitValue() + " before listening:\n" + readLog());
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        throw new IllegalStateException("Azurite did not listen on 127.0.0.1:" + port + " within " + START_TIMEOUT + ":\n" + readLog());
    }

    public String endpoint() {
        return "http://127.0.0.1:" + port + "/" + ACCOUNT;
    }

    public String connectionString() {
        return "DefaultEndpointsProtocol=http;AccountName=" + ACCOUNT + ";AccountKey=" + KEY + ";BlobEndpoint=" + endpoint() + ";";
    }

    /** Creates a container (tests only; the provider expects containers to exist). */
    public void createContainer(String name) {
        new BlobServiceClientBuilder().connectionString(connectionString())
                .httpClient(new com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder().build())
                .buildClient().createBlobContainerIfNotExists(name);
    }

    /** Where Azurite keeps blob data. */
    Path dataDirectory() {
        return location.resolve("data");
    }

    /** The Azurite process's resident memory in KiB (Linux), for reporting. */
    long residentKib() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    private String readLog() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> files = Files.walk(location)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a leftover temp directory is harmless
        }
    }
}
