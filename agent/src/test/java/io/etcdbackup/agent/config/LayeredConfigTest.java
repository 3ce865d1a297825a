package io.etcdbackup.agent.config;

import io.etcdbackup.agent.cli.MainAccess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class LayeredConfigTest {

    @TempDir
    Path dir;

    private Path file(String yaml) throws IOException {
        return Files.writeString(dir.resolve("agent.yaml"), yaml);
    }

    private static MainAccess.Result server(Map<String, String> env, String... extra) {
        List<String> args = new ArrayList<>(List.of("server", "--endpoints", "http://127.0.0.1:2379", "--store", "file:///tmp/x"));
        args.addAll(List.of(extra));
        return MainAccess.run(env, args.toArray(String[]::new));
    }

    private static String line(MainAccess.Result result, String key) {
        return result.out().lines().filter(l -> l.startsWith(key + ":")).findFirst().orElseThrow(() -> new AssertionError(result));
    }

    @Test
    void precedenceIsDefaultThenFileThenEnvThenFlag() throws IOException {
        Path config = file("delta-period: 5s\nserver-port: 9000\ncompression: gzip\ncompression-level: 4\n");
        // A duration, an int-like string, a choice, an Integer: default, file, env, flag.
        MainAccess.Result r = server(Map.of("EBA_COMPRESSION", "none", "EBA_COMPRESSION_LEVEL", "5", "EBA_SERVER_PORT", "9100"),
                "--config", config.toString(), "--compression-level", "7", "--print-config");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(line(r, "gc-grace")).isEqualTo("gc-grace: 1h  # default");
        assertThat(line(r, "delta-period")).isEqualTo("delta-period: 5s  # file");
        assertThat(line(r, "server-port")).matches("server-port: \"?9100\"?  # env");
        assertThat(line(r, "compression")).isEqualTo("compression: none  # env");
        assertThat(line(r, "compression-level")).isEqualTo("compression-level: 7  # flag");
        assertThat(line(r, "config")).isEqualTo("config: " + config + "  # flag");
    }

    @Test
    void fileValuesExpandEnvironmentVariables() throws IOException {
        Path config = file("store: s3://${BUCKET}/etcd\nendpoints: [\"http://${HOST}:2379\", http://b:2379]\n");
        MainAccess.Result r = MainAccess.run(Map.of("BUCKET", "backups", "HOST", "a"),
                "server", "--config=" + config, "--print-config");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(line(r, "store")).isEqualTo("store: s3://backups/etcd  # file");
        assertThat(line(r, "endpoints")).matches("endpoints: \"?http://a:2379,http://b:2379\"?  # file");
    }

    @Test
    void anUnsetVariableInTheFileIsAnError() throws IOException {
        Path config = file("store: s3://${NOPE}/etcd\n");
        MainAccess.Result r = server(Map.of(), "--config", config.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("${NOPE}").contains("store");
    }

    @Test
    void anUnknownKeyIsRejectedNamingIt() throws IOException {
        Path config = file("delta-perod: 5s\n");
        MainAccess.Result r = server(Map.of(), "--config", config.toString(), "--print-config");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("unknown key 'delta-perod'").contains(config.toString());
    }

    @Test
    void theConfigFileCanComeFromTheEnvironment() throws IOException {
        Path config = file("gc-period: 7m\n");
        MainAccess.Result r = server(Map.of("EBA_CONFIG", config.toString()), "--print-config");
        assertThat(line(r, "gc-period")).isEqualTo("gc-period: 7m  # file");
        assertThat(line(r, "config")).isEqualTo("config: " + config + "  # env");
    }

    @Test
    void requiredOptionsMayComeFromTheEnvironment() {
        MainAccess.Result r = MainAccess.run(Map.of("EBA_ENDPOINTS", "http://e:2379", "EBA_STORE", "file:///tmp/y"),
                "server", "--print-config");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(line(r, "endpoints")).isEqualTo("endpoints: http://e:2379  # env");
    }

    @Test
    void everyBadValueIsReportedAtOnce() throws IOException {
        Path config = file("gc-grace: soon\n");
        MainAccess.Result r = server(Map.of("EBA_SERVER_PORT", "http"), "--config", config.toString(),
                "--delta-period", "5x", "--gc-max-backups", "seven", "--compression", "lz4");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        List<String> lines = r.err().lines().toList();
        assertThat(lines).hasSize(5).allMatch(l -> l.startsWith("error: --"));
        assertThat(r.err())
                .contains("--delta-period = '5x' (from flag): '5x' is not a duration")
                .contains("--gc-max-backups = 'seven' (from flag): ")
                .contains("--compression = 'lz4' (from flag): unknown compression 'lz4'")
                .contains("--gc-grace = 'soon' (from file)")
                .contains("--server-port = 'http' (from env): not a port number");
    }

    @Test
    void oneOffCommandsAlsoReportEveryBadValueAtOnce() {
        MainAccess.Result snapshot = MainAccess.run(Map.of(), "snapshot", "delta", "--endpoints", "http://e:2379",
                "--store", "file:///tmp/x", "--compression", "lz4", "--timeout", "soon", "--password-file", "/no/such/file");
        assertThat(snapshot.code()).isEqualTo(2);
        assertThat(snapshot.err().lines().toList()).hasSize(3);
        assertThat(snapshot.err()).contains("--compression = 'lz4'", "--timeout = 'soon'", "--password-file = '<redacted>' (from flag): cannot read the file");

        MainAccess.Result gc = MainAccess.run(Map.of(), "gc", "--store", "file:///tmp/x", "--gc-policy", "Weekly", "--gc-grace", "1 hour");
        assertThat(gc.code()).isEqualTo(2);
        assertThat(gc.err()).contains("--gc-policy = 'Weekly'", "--gc-grace = '1 hour'");
    }

    @Test
    void printConfigRedactsSecretsAndNeverReadsThem() throws IOException {
        Path password = Files.writeString(dir.resolve("pw"), "hunter2");
        Path token = Files.writeString(dir.resolve("token"), "s3cr3t");
        MainAccess.Result r = server(Map.of("EBA_API_TOKEN_FILE", token.toString()),
                "--password-file", password.toString(), "--user", "root", "--print-config");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(line(r, "password-file")).isEqualTo("password-file: <redacted>  # flag");
        assertThat(line(r, "api-token-file")).isEqualTo("api-token-file: <redacted>  # env");
        assertThat(line(r, "user")).isEqualTo("user: root  # flag");
        assertThat(line(r, "cacert")).isEqualTo("cacert: null  # default");
        assertThat(r.out()).doesNotContain("hunter2").doesNotContain("s3cr3t")
                .doesNotContain(password.toString()).doesNotContain(token.toString())
                .startsWith("# effective configuration of 'etcd-backup-agent server'");
        assertThat(r.out()).doesNotContain("help:").doesNotContain("print-config:");
    }
}
