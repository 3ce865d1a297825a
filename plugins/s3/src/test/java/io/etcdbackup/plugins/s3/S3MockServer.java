package io.etcdbackup.plugins.s3;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Adobe S3Mock, its standalone jar run as a child process (a Spring Boot application whose class
 * path must not meet S3Proxy's). Failsafe copies the jar to {@code target/s3mock} and passes its
 * path in the system property {@code s3mock.jar}.
 */
final class S3MockServer implements AutoCloseable {

    private final Process process;
    private final URI endpoint;

    private S3MockServer(Process process, URI endpoint) {
        this.process = process;
        this.endpoint = endpoint;
    }

    /** Starts S3Mock on free ports and waits until it answers. */
    static S3MockServer start() throws Exception {
        String jar = System.getProperty("s3mock.jar");
        if (jar == null || !Files.isRegularFile(Path.of(jar))) {
            throw new IllegalStateException("system property s3mock.jar must name the S3Mock exec jar (set by the failsafe configuration), was " + jar);
        }
        int[] ports = TestServers.freePorts(2);
        Path root = Files.createTempDirectory("s3mock");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(List.of(java, "-Xmx384m", "-jar", jar,
                "--http.port=" + ports[0], "--server.port=" + ports[1],
                "--com.adobe.testing.s3mock.store.root=" + root.resolve("data"),
                "--com.adobe.testing.s3mock.max-payload-size=64MB",
                "--spring.main.banner-mode=off", "--logging.level.root=WARN"))
                .redirectErrorStream(true).redirectOutput(root.resolve("s3mock.log").toFile()).start();
        URI endpoint = URI.create("http://127.0.0.1:" + ports[0]);
        TestServers.awaitHttp(endpoint, Duration.ofSeconds(90), process);
        return new S3MockServer(process, endpoint);
    }

    URI endpoint() {
        return endpoint;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        process.waitFor();
    }
}
