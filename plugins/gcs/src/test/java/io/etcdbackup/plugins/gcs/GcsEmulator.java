package io.etcdbackup.plugins.gcs;

import com.google.cloud.NoCredentials;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageOptions;
import com.sun.net.httpserver.HttpServer;
import io.etcdbackup.stores.testing.Await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The Cloud Storage emulator of npm's {@code firebase-tools} as a child process on a free
 * loopback port. {@code scripts/firebase-storage.sh} installs firebase-tools into
 * {@code .cache/}; {@code scripts/gcs-emulator.cjs} serves its GCS JSON API without the Firebase
 * rules runtime (a jar firebase-tools would download at start). Buckets come into being on first
 * use. If installing or starting fails, {@link #start()} throws: the tests fail, never skip.
 */
public final class GcsEmulator implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private static GcsEmulator shared;

    private final Process process;
    private final int port;
    private final List<HttpServer> tokenServers = new CopyOnWriteArrayList<>();

    private GcsEmulator(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** One emulator for the whole test JVM, started on first use and stopped when the JVM exits. */
    public static synchronized GcsEmulator shared() throws IOException, InterruptedException {
        if (shared == null) {
            GcsEmulator started = start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> started.process.destroy()));
            shared = started;
        }
        return shared;
    }

    /** Installs (if needed) and starts the emulator; returns once it listens. */
    public static GcsEmulator start() throws IOException, InterruptedException {
        Path root = projectRoot();
        Path packageDir = install(root);
        int port = freePort();
        Path log = Files.createTempFile("gcs-emulator-", ".log");
        Process process = new ProcessBuilder("node", root.resolve("scripts/gcs-emulator.cjs").toString(), packageDir.toString(),
                Integer.toString(port)).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        GcsEmulator emulator = new GcsEmulator(process, port);
        try {
            emulator.awaitPort(log);
        } catch (IOException | RuntimeException | InterruptedException e) {
            emulator.close();
            throw e;
        }
        return emulator;
    }

    /** The emulator's base URL, what the {@code endpoint} option takes. */
    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    /**
     * Writes a credentials file for processes that open {@code gs://} stores the production way
     * ({@code GOOGLE_APPLICATION_CREDENTIALS}): an {@code authorized_user} whose token endpoint is
     * a loopback server in this JVM handing out a dummy token (the emulator checks no tokens).
     */
    public Path credentialsFile(Path dir) throws IOException {
        HttpServer tokens = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        tokens.createContext("/token", exchange -> {
            exchange.getRequestBody().readAllBytes();
            byte[] body = "{\"access_token\":\"emulator\",\"expires_in\":3600,\"token_type\":\"Bearer\"}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        tokens.setExecutor(null);
        tokens.start();
        tokenServers.add(tokens);
        Path file = dir.resolve("gcs-emulator-credentials.json");
        Files.writeString(file, "{\"type\": \"authorized_user\", \"client_id\": \"emulator\", \"client_secret\": \"emulator\","
                + " \"refresh_token\": \"emulator\", \"token_uri\": \"http://127.0.0.1:" + tokens.getAddress().getPort() + "/token\"}");
        return file;
    }

    /** A Storage client for the emulator: no credentials, a demo project. */
    public Storage client() {
        return StorageOptions.newBuilder().setHost(endpoint()).setProjectId("demo-eba")
                .setCredentials(NoCredentials.getInstance()).build().getService();
    }

    @Override
    public void close() throws InterruptedException {
        tokenServers.forEach(server -> server.stop(0));
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }

    /** Runs the install script; returns the firebase-tools package directory behind the launcher it prints. */
    private static Path install(Path root) throws IOException, InterruptedException {
        Path script = root.resolve("scripts/firebase-storage.sh");
        Process install = new ProcessBuilder("bash", script.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(install.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!install.waitFor(10, TimeUnit.MINUTES) || install.exitValue() != 0) {
            throw new IllegalStateException("firebase-tools could not be installed: '" + script + "' failed; it needs node 20 and npm");
        }
        List<String> lines = out.lines().toList();
        // node_modules/.bin/firebase -> node_modules/firebase-tools/lib/bin/firebase.js
        return Path.of(lines.get(lines.size() - 1)).toRealPath().getParent().getParent().getParent();
    }

    private void awaitPort(Path log) throws IOException, InterruptedException {
        try {
            Await.await("the GCS emulator listening on " + endpoint(), START_TIMEOUT, () -> {
                if (!process.isAlive()) {
                    throw new IllegalStateException("the GCS emulator exited with " + process.exitValue() + ":\n" + Files.readString(log));
                }
                return Await.listening(port);
            });
        } catch (Await.TimedOut e) {
            throw new IllegalStateException(e.getMessage() + ":\n" + Files.readString(log), e);
        } catch (IOException | InterruptedException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e);
        }
    }

    /** The project root: the {@code project.root} property the build sets, else the nearest folder up with the scripts. */
    private static Path projectRoot() {
        String configured = System.getProperty("project.root");
        if (configured != null) {
            return Path.of(configured);
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("scripts/gcs-emulator.cjs"))) {
                return dir;
            }
        }
        throw new IllegalStateException("cannot find the project root (scripts/gcs-emulator.cjs) above " + Path.of("").toAbsolutePath());
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
