package io.etcdbackup.plugins.gcs;

import com.google.cloud.NoCredentials;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageOptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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

    private final Process process;
    private final int port;
    private final Path log;

    private GcsEmulator(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /** Installs (if needed) and starts the emulator; returns once it listens. */
    public static GcsEmulator start() throws IOException, InterruptedException {
        Path root = Path.of(System.getProperty("project.root", "."));
        Path packageDir = install(root);
        int port = freePort();
        Path log = Files.createTempFile("gcs-emulator-", ".log");
        Process process = new ProcessBuilder("node", root.resolve("scripts/gcs-emulator.cjs").toString(), packageDir.toString(),
                Integer.toString(port)).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        GcsEmulator emulator = new GcsEmulator(process, port, log);
        try {
            emulator.awaitPort();
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

    /** A Storage client for the emulator: no credentials, a demo project. */
    public Storage client() {
        return StorageOptions.newBuilder().setHost(endpoint()).setProjectId("demo-eba")
                .setCredentials(NoCredentials.getInstance()).build().getService();
    }

    @Override
    public void close() throws InterruptedException {
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

    private void awaitPort() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the GCS emulator exited with " + process.exitValue() + ":\n" + Files.readString(log));
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        throw new IllegalStateException("the GCS emulator did not listen on " + endpoint() + " within " + START_TIMEOUT + ":\n" + Files.readString(log));
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
