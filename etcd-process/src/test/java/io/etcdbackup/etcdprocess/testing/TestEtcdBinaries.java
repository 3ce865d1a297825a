package io.etcdbackup.etcdprocess.testing;

import io.etcdbackup.etcdprocess.EtcdBinaries;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The real etcd binaries for tests, provisioned on first use by {@code scripts/provision-etcd.sh}
 * into the project cache ({@code -Detcd.cache.dir}, set by the build). The version is the system
 * property {@code etcd.version}, else the environment variable {@code EBA_ETCD_VERSION}, else 3.5.
 */
public final class TestEtcdBinaries {

    private static EtcdBinaries binaries;

    private TestEtcdBinaries() {
    }

    public static synchronized EtcdBinaries get() {
        if (binaries == null) {
            binaries = EtcdBinaries.locate(Optional.of(provision()), null);
        }
        return binaries;
    }

    /** The etcd minor version the tests run on: {@code 3.5} (default) or {@code 3.4}. */
    public static String version() {
        String property = System.getProperty("etcd.version");
        if (property != null && !property.isBlank()) {
            return property.strip();
        }
        String environment = System.getenv("EBA_ETCD_VERSION");
        return environment != null && !environment.isBlank() ? environment.strip() : "3.5";
    }

    /** The folder holding etcd and etcdctl of {@link #version()}, provisioning it if needed. */
    public static synchronized Path provision() {
        Path root = projectRoot();
        Path cache = Path.of(System.getProperty("etcd.cache.dir", root.resolve(".cache/etcd").toString()));
        Path bin = cache.resolve(version()).resolve("usr/bin");
        if (Files.isExecutable(bin.resolve("etcd")) && Files.isExecutable(bin.resolve("etcdctl"))) {
            return bin;
        }
        Path script = root.resolve("scripts/provision-etcd.sh");
        try {
            ProcessBuilder builder = new ProcessBuilder("bash", script.toString(), cache.toString()).redirectErrorStream(true);
            builder.environment().put("EBA_ETCD_VERSION", version());
            Process process = builder.start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(10, TimeUnit.MINUTES) || process.exitValue() != 0) {
                throw new IllegalStateException("provisioning etcd with " + script + " failed:\n" + output);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + script, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return bin;
    }

    /** The repository root (set by the build; found by walking up otherwise). */
    public static Path projectRoot() {
        String configured = System.getProperty("project.root");
        if (configured != null) {
            return Path.of(configured);
        }
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("scripts/provision-etcd.sh"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("cannot find the project root (scripts/provision-etcd.sh) above " + Path.of("").toAbsolutePath());
        }
        return dir;
    }
}
