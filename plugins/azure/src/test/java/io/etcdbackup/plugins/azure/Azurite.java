package io.etcdbackup.plugins.azure;

import com.azure.storage.blob.BlobServiceClientBuilder;
import io.etcdbackup.stores.testing.Await;

import java.io.IOException;
import java.net.ServerSocket;
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
 * start fails, {@link #start()} throws: these tests fail loudly rather than skip. Either with the
 * well-known development account, or with one account of the test's own
 * ({@link #startWithAccount}, Azurite's {@code AZURITE_ACCOUNTS}) whose key can be rotated.
 */
public final class Azurite implements AutoCloseable {

    /** Azurite's well-known development account; the key is public and documented by Microsoft. */
    static final String ACCOUNT = "devstoreaccount1";
    static final String KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final Path binary;
    private final Path location;
    private final Path log;
    private final int port;
    private final String account;
    private String key;
    private Process process;

    private Azurite(Path binary, Path location, int port, String account, String key) {
        this.binary = binary;
        this.location = location;
        this.log = location.resolve("azurite.log");
        this.port = port;
        this.account = account;
        this.key = key;
    }

    public static Azurite start() throws IOException, InterruptedException {
        return start(ACCOUNT, KEY);
    }

    /**
     * Starts Azurite with {@code account} as its only account and {@code key} as its only key
     * (Azurite then disables the development account).
     */
    static Azurite startWithAccount(String account, String key) throws IOException, InterruptedException {
        return start(account, key);
    }

    private static Azurite start(String account, String key) throws IOException, InterruptedException {
        Azurite azurite = new Azurite(install(), Files.createTempDirectory("azurite-"), freePort(), account, key);
        try {
            azurite.launch();
        } catch (IOException | RuntimeException | InterruptedException e) {
            azurite.close(); // never leave the emulator running
            throw e;
        }
        return azurite;
    }

    /**
     * Rotates the account key: stops Azurite and starts it again on the same port and data
     * directory with {@code newKey} as the account's only key, so the old key is refused from now
     * on. (Azurite reads its accounts from its environment, which cannot change while it runs.)
     */
    void restartWithKey(String newKey) throws IOException, InterruptedException {
        if (account.equals(ACCOUNT)) {
            throw new IllegalStateException("the development account's key is fixed; start with startWithAccount");
        }
        stopProcess();
        key = newKey;
        launch();
    }

    private void launch() throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(binary.toString(),
                "--blobHost", "127.0.0.1", "--blobPort", Integer.toString(port),
                "--location", location.resolve("data").toString(),
                "--disableTelemetry", "--skipApiVersionCheck")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        if (!account.equals(ACCOUNT)) {
            builder.environment().put("AZURITE_ACCOUNTS", account + ":" + key);
        }
        process = builder.start();
        awaitPort();
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
        try {
            Await.await("Azurite listening on 127.0.0.1:" + port, START_TIMEOUT, () -> {
                if (!process.isAlive()) {
                    throw new IllegalStateException("Azurite exited with " + process.exitValue() + " before listening:\n" + readLog());
                }
                return Await.listening(port);
            });
        } catch (Await.TimedOut e) {
            throw new IllegalStateException(e.getMessage() + ":\n" + readLog(), e);
        } catch (IOException | InterruptedException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e);
        }
    }

    public String endpoint() {
        return "http://127.0.0.1:" + port + "/" + account;
    }

    /** A connection string with the account's current key. */
    public String connectionString() {
        return "DefaultEndpointsProtocol=http;AccountName=" + account + ";AccountKey=" + key + ";BlobEndpoint=" + endpoint() + ";";
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

    private void stopProcess() {
        if (process == null) {
            return;
        }
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
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() {
        stopProcess();
        try (Stream<Path> files = Files.walk(location)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a leftover temp directory is harmless
        }
    }
}
