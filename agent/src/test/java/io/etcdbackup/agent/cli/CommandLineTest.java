package io.etcdbackup.agent.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

class CommandLineTest {

    private static String[] run(String... args) {
        CommandLine cli = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args);
        return new String[] {String.valueOf(code), out.toString(), err.toString()};
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "snapshot", "snapshot full", "snapshot delta", "server", "restore", "initialize", "list", "catalog", "catalog rebuild", "catalog verify", "gc", "compact", "merge"})
    void everyCommandHasHelp(String command) {
        String[] args = (command + " --help").trim().split(" ");
        String[] result = run(args);
        assertThat(result[0]).isEqualTo("0");
        assertThat(result[1]).startsWith("Usage: etcd-backup-agent" + (command.isEmpty() ? "" : " " + command));
    }

    @Test
    void aMissingRequiredOptionIsAUsageErrorNamingIt() {
        String[] result = run("snapshot", "full", "--store", "file:///tmp/x");
        assertThat(result[0]).isEqualTo("2");
        assertThat(result[2]).contains("--endpoints");
    }

    @Test
    void aRestoreDrillNeedsTheLiveClustersEndpointsWhilePlainVerificationDoesNot(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        String[] drill = run("catalog", "verify", "--store", "file:///nonexistent/store", "--restore");
        assertThat(drill[0]).isEqualTo("2");
        assertThat(drill[2]).contains("error: --endpoints", "required");
        // Plain verification passes validation and opens the store: a folder of the test's own, never one under /.
        String[] plain = run("catalog", "verify", "--store", "file://" + dir.resolve("store"));
        assertThat(plain[2]).doesNotContain("--endpoints");
    }

    @Test
    void aBadDrillScheduleStopsTheServerBeforeItStarts() {
        String[] result = run("server", "--endpoints", "http://127.0.0.1:2379", "--store", "file:///tmp/x", "--drill-schedule", "every day");
        assertThat(result[0]).isEqualTo("2");
        assertThat(result[2]).contains("error: --drill-schedule = 'every day' (from flag): 'every day' is not a 5-field cron expression");
    }

    @Test
    void initializeReportsEveryBadValueAtOnceBeforeTouchingAnything() {
        String[] result = run("initialize", "--store", "file:///nonexistent/store", "--data-dir", "/nonexistent/data", "--mode", "deep",
                "--max-fetchers", "0", "--name", "etcd-1", "--initial-cluster", "etcd-0=http://10.0.0.1:2380", "--safeguard-id", " ");
        assertThat(result[0]).isEqualTo("2");
        assertThat(result[2].lines()).containsExactly(
                "error: --mode = 'deep' (from flag): unknown validation mode 'deep'; use sanity or full",
                "error: --safeguard-id = ' ' (from flag): must be one non-blank line",
                "error: --max-fetchers = '0' (from flag): must be at least 1",
                "error: --initial-cluster = 'etcd-0=http://10.0.0.1:2380' (from flag): does not name this member (--name etcd-1)");
    }

    @Test
    void initializeWritesEtcdsConfigurationOnlyWithBothFilesNamed() {
        String[] onlyOut = run("initialize", "--store", "file:///nonexistent/store", "--data-dir", "/nonexistent/data",
                "--etcd-config-out", "/nonexistent/etcd.conf.yaml");
        String[] missingTemplate = run("initialize", "--store", "file:///nonexistent/store", "--data-dir", "/nonexistent/data",
                "--etcd-config-template", "/nonexistent/etcd.conf.yaml.tpl", "--etcd-config-out", "/etc/hostname/etcd.conf.yaml");

        assertThat(onlyOut[0]).isEqualTo("2");
        assertThat(onlyOut[2]).contains("error: --etcd-config-out = '/nonexistent/etcd.conf.yaml' (from flag): give both "
                + "--etcd-config-template and --etcd-config-out, or neither");
        assertThat(missingTemplate[0]).isEqualTo("2");
        assertThat(missingTemplate[2]).contains("error: --etcd-config-template = '/nonexistent/etcd.conf.yaml.tpl' (from flag): "
                + "etcd config template /nonexistent/etcd.conf.yaml.tpl cannot be read",
                "error: --etcd-config-out = '/etc/hostname/etcd.conf.yaml' (from flag): its folder /etc/hostname does not exist or is "
                        + "not writable");
    }

    @Test
    void immutableForLocksOnlyS3StoresAndNamesTheAlternative() {
        String[] local = run("gc", "--store", "file:///nonexistent/store", "--immutable-for", "720h");
        assertThat(local[0]).isEqualTo("2");
        assertThat(local[2]).contains("--immutable-for = '720h'", "needs an s3:// store", "retention policy");
        String[] mode = run("gc", "--store", "s3://bucket/p", "--immutable-for", "720h", "--immutable-mode", "forever");
        assertThat(mode[0]).isEqualTo("2");
        assertThat(mode[2]).contains("--immutable-mode = 'forever'", "must be governance or compliance");
        String[] negative = run("gc", "--store", "s3://bucket/p", "--immutable-for", "0s");
        assertThat(negative[2]).contains("must be a positive duration");
    }

    @Test
    void theForwardingCaNeedsTheServersOwnCertificate() {
        String[] result = run("server", "--store", "file:///nonexistent/store", "--server-ca", "/nonexistent/ca.crt");

        assertThat(result[0]).isEqualTo("2");
        assertThat(result[2]).contains("error: --server-ca = '/nonexistent/ca.crt' (from flag): needs --server-cert and --server-key");
    }

    @Test
    void keysAndHistoryReportEveryBadValueAtOnceAndWriteOnlyWithApplyTo() {
        String[] keys = run("keys", "--store", "file:///nonexistent/store", "--prefix", "/registry/", "--revision", "ten",
                "--time", "2026-12-07T10:00:00Z", "--output", "yaml", "--overwrite", "--endpoints", "http://127.0.0.1:2379");
        assertThat(keys[0]).isEqualTo("2");
        assertThat(keys[2]).contains("--revision = 'ten'", "give either --revision or --time, not both", "--output = 'yaml'",
                "must be table or json", "--overwrite", "needs --apply-to", "--endpoints", "give the cluster there");

        String[] history = run("history", "--store", "file:///nonexistent/store", "--prefix", "/", "--from-revision", "20",
                "--to-revision", "10", "--from-time", "yesterday");
        assertThat(history[0]).isEqualTo("2");
        assertThat(history[2]).contains("--from-time = 'yesterday'", "give either --from-revision or --from-time, not both");
        String[] backwards = run("history", "--store", "file:///nonexistent/store", "--prefix", "/", "--from-revision", "20",
                "--to-revision", "10");
        assertThat(backwards[2]).contains("--to-revision = '10'", "is before --from-revision 20");
    }

    @Test
    void mergeReportsEveryBadValueAtOnce() {
        String[] result = run("merge", "--store", "file:///nonexistent/store", "--fan-in", "1", "--max-level", "0",
                "--max-segment-bytes", "0", "--min-age", "soon", "--compression", "lz4");
        assertThat(result[0]).isEqualTo("2");
        assertThat(result[2].lines()).containsExactly(
                "error: --fan-in = '1' (from flag): must be at least 2",
                "error: --max-level = '0' (from flag): must be at least 1",
                "error: --max-segment-bytes = '0' (from flag): must be positive",
                "error: --min-age = 'soon' (from flag): " + invalidDuration("soon"),
                "error: --compression = 'lz4' (from flag): unknown compression 'lz4'; use one of [zstd, gzip, none]");
    }

    private static String invalidDuration(String text) {
        try {
            io.etcdbackup.agent.config.Durations.parse(text);
            throw new AssertionError(text + " parsed");
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    @Test
    void aFailureIsOneLineOnStderrWithExitCodeOne() {
        String[] result = run("list", "--store", "nosuch://bucket/prefix");
        assertThat(result[0]).isEqualTo("1");
        assertThat(result[2].strip()).startsWith("error: no store provider for 'nosuch://'").doesNotContain("\n");
    }

    @Test
    void oneLineUnwrapsWrappersAndFoldsNewlines() {
        Exception wrapped = new java.util.concurrent.ExecutionException(new IllegalStateException("first\nsecond"));
        assertThat(Main.oneLine(wrapped)).isEqualTo("first second");
    }
}
