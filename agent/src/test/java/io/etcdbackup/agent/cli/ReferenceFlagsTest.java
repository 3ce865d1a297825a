package io.etcdbackup.agent.cli;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * etcd-druid's arguments (the reference's flags) mean the same as our options: they set them, and
 * a reference flag that contradicts one of our options given too is a usage error naming both.
 */
class ReferenceFlagsTest {

    /** etcd-druid's arguments for `server` (REFERENCE.md), filled in for an etcd "etcd-main" without TLS and its Local store. */
    static final List<String> DRUID_SERVER = List.of("server", "--server-port=8080", "--enable-snapshot-lease-renewal=true",
            "--full-snapshot-lease-name=etcd-main-full-snap", "--delta-snapshot-lease-name=etcd-main-delta-snap",
            "--storage-provider=Local", "--store-prefix=etcd-main", "--schedule=0 */24 * * *", "--delta-snapshot-period=5m0s",
            "--delta-snapshot-retention-period=24h0m0s", "--delta-snapshot-memory-limit=104857600",
            "--garbage-collection-policy=LimitBased", "--max-backups=7", "--garbage-collection-period=12h0m0s",
            "--compress-snapshots=true", "--compression-policy=gzip", "--etcd-snapshot-timeout=15m",
            "--defragmentation-schedule=0 0 */3 * *", "--etcd-defrag-timeout=15m", "--auto-compaction-mode=periodic",
            "--auto-compaction-retention=30m", "--endpoints=http://etcd-main-local:2379", "--insecure-transport=true",
            "--insecure-skip-tls-verify=true", "--data-dir=/var/etcd/data/new.etcd",
            "--restoration-temp-snapshots-dir=/var/etcd/data/restoration.temp", "--snapstore-temp-directory=/var/etcd/data/temp",
            "--etcd-connection-timeout=5m", "--use-etcd-wrapper=true", "--enable-member-lease-renewal=true",
            "--k8s-heartbeat-duration=10s", "--embedded-etcd-quota-bytes=8589934592", "--reelection-period=5s");

    private static final Map<String, String> POD = Map.of("STORAGE_CONTAINER", "etcd-backups", "HOME", "/home/nonroot",
            "POD_NAME", "etcd-main-0", "POD_NAMESPACE", "shoot--dev");

    /** What a run printed, and what it logged about the reference's flags (one line each). */
    private record Outcome(int code, String out, String err, String log) {
    }

    private static Outcome run(Map<String, String> env, List<String> base, String... more) {
        List<String> args = new ArrayList<>(base);
        args.addAll(List.of(more));
        Logger logger = (Logger) LoggerFactory.getLogger(ReferenceFlags.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        try {
            MainAccess.Result result = MainAccess.run(env, args.toArray(String[]::new));
            return new Outcome(result.code(), result.out(), result.err(),
                    appender.list.stream().map(e -> e.getFormattedMessage() + "\n").collect(Collectors.joining()));
        } finally {
            logger.detachAppender(appender);
        }
    }

    @Test
    void druidsCopyJobArgumentsNameBothStoresAndTheWaitForTheFinalSnapshot(@org.junit.jupiter.api.io.TempDir java.nio.file.Path home)
            throws Exception {
        java.nio.file.Files.createDirectories(home.resolve("etcd-backups").resolve("etcd-main"));
        Map<String, String> job = Map.of("STORAGE_CONTAINER", "target-bucket", "SOURCE_STORAGE_CONTAINER", "etcd-backups",
                "HOME", home.toString());
        List<String> args = List.of("copy", "--storage-provider=Local", "--store-prefix=etcd-main", "--source-storage-provider=Local",
                "--source-store-prefix=etcd-main", "--max-backup-age=7", "--max-backups-to-copy=3");

        Outcome copied = run(job, args, "--wait-for-final-snapshot=false");
        Outcome waited = run(job, args, "--wait-for-final-snapshot", "--wait-for-final-snapshot-timeout=1s");

        assertThat(copied.code()).as(copied.err()).isZero();
        assertThat(copied.out()).contains("copied objects=0", "source=file://" + home.resolve("etcd-backups/etcd-main"),
                "target=file://" + home.resolve("target-bucket/etcd-main"));
        assertThat(waited.code()).isEqualTo(1);
        assertThat(waited.err()).contains("no final full snapshot in file://" + home.resolve("etcd-backups/etcd-main") + " within 1s");
    }

    @Test
    void copyWithoutASourceStoreNamesBothWaysToGiveOne() {
        Outcome result = run(Map.of(), List.of("copy", "--store", "file:///tmp/target"));

        assertThat(result.code()).isEqualTo(2);
        assertThat(result.err()).contains("--source-store", "required", "--source-storage-provider");
    }

    @Test
    void druidsServerArgumentsSetOurOptionsAsPrintConfigShows() {
        Outcome result = run(POD, DRUID_SERVER, "--print-config");
        assertThat(result.code()).as(result.err()).isZero();
        assertThat(result.out()).contains(
                "store: file:///home/nonroot/etcd-backups/etcd-main  # flag --storage-provider",
                "full-schedule: 0 0 * * *  # flag --schedule",
                "delta-period: 5m  # flag --delta-snapshot-period",
                "delta-flush-size: 104857600  # flag --delta-snapshot-memory-limit",
                "delta-memory-limit: 104857600  # flag --delta-snapshot-memory-limit",
                "delta-retention: 24h  # flag --delta-snapshot-retention-period",
                "compression: gzip  # flag --compression-policy",
                "gc-policy: LimitBased  # flag --garbage-collection-policy",
                "gc-max-backups: 7  # flag --max-backups",
                "gc-period: 12h  # flag --garbage-collection-period",
                "defrag-schedule: 0 0 */3 * *  # flag --defragmentation-schedule",
                "defrag-timeout: 15m  # flag --etcd-defrag-timeout",
                "leader-check-period: 5s  # flag --reelection-period",
                "scratch-dir: /var/etcd/data/restoration.temp  # flag --restoration-temp-snapshots-dir",
                "endpoints: http://etcd-main-local:2379  # flag",
                "storage-provider: Local  # flag");
    }

    @Test
    void helpShowsOurOptionsOnlyTheReferencesAreDocumentedInTheReadme() {
        MainAccess.Result help = MainAccess.run(Map.of(), "server", "--help");
        assertThat(help.out()).contains("--store=STORE_URL", "--full-schedule=CRON", "--storage-provider form")
                .doesNotContain("--schedule=", "--storage-provider=", "--use-etcd-wrapper");
    }

    @Test
    void eachAcceptedFlagWithoutEffectIsLoggedOnceNamingIt() {
        Outcome result = run(POD, DRUID_SERVER, "--print-config");
        for (String flag : List.of("--use-etcd-wrapper", "--embedded-etcd-quota-bytes", "--auto-compaction-mode",
                "--auto-compaction-retention", "--etcd-snapshot-timeout", "--etcd-connection-timeout", "--snapstore-temp-directory",
                "--insecure-transport", "--insecure-skip-tls-verify")) {
            assertThat(result.log()).as(flag).containsOnlyOnce("reference flag accepted without effect flag=" + flag + " ");
        }
        assertThat(result.log()).containsOnlyOnce("reference flag applied flag=--schedule value=\"0 */24 * * *\" option=--full-schedule "
                + "effective=\"0 0 * * *\"");
    }

    @Test
    void aReferenceFlagContradictingOurOptionIsAUsageErrorNamingBoth() {
        Outcome result = run(POD, DRUID_SERVER, "--full-schedule", "0 1 * * *", "--compression", "zstd");
        assertThat(result.code()).isEqualTo(2);
        assertThat(result.err().lines().filter(l -> l.startsWith("error: "))).containsExactly(
                "error: --schedule = '0 */24 * * *' (from flag): contradicts --full-schedule = '0 1 * * *' (from flag); give one of "
                        + "them, or the same value",
                "error: --compression-policy = 'gzip' (from flag): contradicts --compression = 'zstd' (from flag); give one of them, "
                        + "or the same value");
    }

    @Test
    void ourOptionFromTheEnvironmentCountsAsGivenAndTheSameMeaningIsNoConflict() {
        Map<String, String> env = new java.util.HashMap<>(POD);
        env.put("EBA_GC_PERIOD", "1h");
        Outcome conflict = run(env, DRUID_SERVER, "--print-config");
        assertThat(conflict.code()).isEqualTo(2);
        assertThat(conflict.err()).contains("error: --garbage-collection-period = '12h0m0s' (from flag): contradicts --gc-period = "
                + "'1h' (from env)");
        Outcome same = run(POD, DRUID_SERVER, "--full-schedule", "0  0 * * *", "--delta-period", "300s",
                "--compression", "GZIP", "--store", "file:///home/nonroot/etcd-backups/etcd-main/", "--print-config");
        assertThat(same.code()).as(same.err()).isZero();
        assertThat(same.out()).contains("delta-period: 300s  # flag", "store: file:///home/nonroot/etcd-backups/etcd-main/  # flag");
    }

    @Test
    void theStoreMustBeNamedOneWayOrTheOther() {
        MainAccess.Result none = MainAccess.run(Map.of(), "snapshot", "full", "--endpoints", "http://127.0.0.1:2379");
        assertThat(none.code()).isEqualTo(2);
        assertThat(none.err()).contains("error: --store = '' (from default): required");
        MainAccess.Result noBucket = MainAccess.run(Map.of(), "list", "--storage-provider=S3", "--store-prefix=p");
        assertThat(noBucket.code()).isEqualTo(2);
        assertThat(noBucket.err().strip()).isEqualTo("error: --storage-provider = 'S3' (from flag): S3 needs the bucket or container: "
                + "set STORAGE_CONTAINER (or --store-container)");
        MainAccess.Result prefixAlone = MainAccess.run(Map.of(), "list", "--store", "file:///tmp/x", "--store-prefix=p");
        assertThat(prefixAlone.err()).contains("error: --store-prefix = 'p' (from flag): needs --storage-provider");
        MainAccess.Result other = MainAccess.run(Map.of("STORAGE_CONTAINER", "b"), "list", "--store", "s3://b/q",
                "--storage-provider=S3", "--store-prefix=p");
        assertThat(other.err()).contains("error: --storage-provider = 'S3' (from flag): contradicts --store = 's3://b/q' (from flag)");
    }

    @Test
    void compressionPoliciesThisAgentDoesNotWriteWriteGzipAndOffIsNone() {
        List<String> base = List.of("server", "--endpoints=http://127.0.0.1:2379", "--store=file:///tmp/x", "--print-config");
        assertThat(run(Map.of(), base, "--compression-policy=zlib").out()).contains("compression: gzip  # flag --compression-policy");
        assertThat(run(Map.of(), base, "--compression-policy=lzw").log())
                .contains("reference flag applied flag=--compression-policy value=\"lzw\" effect=\"written as gzip");
        assertThat(run(Map.of(), base, "--compress-snapshots=false", "--compression-policy=gzip").out())
                .contains("compression: none  # flag --compress-snapshots");
        assertThat(run(Map.of(), base, "--compress-snapshots").out()).contains("compression: gzip  # flag --compress-snapshots");
        assertThat(run(Map.of(), base, "--compression-policy=zstd").err())
                .contains("error: --compression-policy = 'zstd' (from flag): not a compression policy of the reference");
    }

    @Test
    void maxBackupsCountsOnlyWithLimitBasedAsInTheReference() {
        List<String> base = List.of("server", "--endpoints=http://127.0.0.1:2379", "--store=file:///tmp/x", "--print-config");
        Outcome exponential = run(Map.of(), base, "--garbage-collection-policy=Exponential", "--max-backups=3");
        assertThat(exponential.code()).as(exponential.err()).isZero();
        assertThat(exponential.out()).contains("gc-policy: Exponential  # flag --garbage-collection-policy", "gc-max-backups: null");
        assertThat(exponential.log()).contains("flag=--max-backups value=\"3\" reason=\"counts only with LimitBased");
        assertThat(run(Map.of(), base, "--garbage-collection-policy=Tiered").err())
                .contains("error: --garbage-collection-policy = 'Tiered' (from flag): the reference's policies are LimitBased and Exponential");
    }

    @Test
    void schedulesAreReadAsTheReferenceReadsThem() {
        assertThat(ReferenceServerOptions.cron("0 */24 * * *")).isEqualTo("0 0 * * *");
        assertThat(ReferenceServerOptions.cron("*/60  1-3/5 * * *")).isEqualTo("0 1 * * *");
        assertThat(ReferenceServerOptions.cron("*/15 */2 * * 1-5")).isEqualTo("*/15 */2 * * 1-5");
        assertThat(ReferenceServerOptions.cron("@daily")).isEqualTo("0 0 * * *");
        assertThat(ReferenceServerOptions.cron("@hourly")).isEqualTo("0 * * * *");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ReferenceServerOptions.cron("@every 1h"))
                .hasMessageContaining("not @every");
    }

    @Test
    void deltasBelowOneSecondStayOnAndPublishBySize() {
        List<String> base = List.of("server", "--endpoints=http://127.0.0.1:2379", "--store=file:///tmp/x", "--print-config");
        Outcome result = run(Map.of(), base, "--delta-snapshot-period=0s");
        assertThat(result.out()).contains("delta-period: 0s  # flag --delta-snapshot-period");
        assertThat(result.log()).contains("below 1s the reference takes no deltas");
        assertThat(run(Map.of(), base, "--delta-snapshot-memory-limit=128MiB", "--delta-memory-limit=64MiB").err())
                .contains("error: --delta-snapshot-memory-limit = '128MiB' (from flag): contradicts --delta-memory-limit = '64MiB' (from flag)");
    }

    @Test
    void etcdTlsFlagsAreCheckedAgainstTheEndpointsScheme() {
        List<String> base = List.of("server", "--endpoints=https://127.0.0.1:2379", "--store=file:///tmp/x", "--print-config");
        Outcome result = run(Map.of(), base, "--insecure-transport=true", "--insecure-skip-tls-verify=true");
        assertThat(result.code()).isEqualTo(2);
        assertThat(result.err()).contains(
                "error: --insecure-transport = 'true' (from flag): contradicts --endpoints = 'https://127.0.0.1:2379' (from flag)",
                "error: --insecure-skip-tls-verify = 'true' (from flag): not supported: etcd's certificate is always verified");
        assertThat(run(Map.of(), base, "--insecure-transport=false", "--insecure-skip-tls-verify=false").code()).isZero();
    }

    @Test
    void initializeRestoreAndCompactTakeTheReferencesFlags() {
        MainAccess.Result initialize = MainAccess.run(POD, "initialize", "--storage-provider=Local", "--store-prefix=etcd-main",
                "--data-dir=/nonexistent/new.etcd", "--validation-mode=sanity", "--mode=full");
        assertThat(initialize.err()).contains("error: --validation-mode = 'sanity' (from flag): contradicts --mode = 'full' (from flag)");
        for (List<String> args : List.of(
                List.of("restore", "--storage-provider=Local", "--store-prefix=etcd-main", "--data-dir=/nonexistent/new.etcd",
                        "--restoration-temp-snapshots-dir=/nonexistent/restoration.temp", "--embedded-etcd-quota-bytes=8589934592",
                        "--auto-compaction-mode=periodic", "--auto-compaction-retention=30m", "--dry-run"),
                List.of("compact", "--data-dir=/var/etcd/data/compaction.etcd",
                        "--restoration-temp-snapshots-dir=/var/etcd/data/compaction.restoration.temp",
                        "--snapstore-temp-directory=/var/etcd/data/tmp", "--metrics-scrape-wait-duration=0s",
                        "--enable-snapshot-lease-renewal=true", "--full-snapshot-lease-name=etcd-main-full-snap",
                        "--delta-snapshot-lease-name=etcd-main-delta-snap", "--embedded-etcd-quota-bytes=8589934592",
                        "--etcd-defrag-timeout=15m0s", "--etcd-snapshot-timeout=15m0s", "--storage-provider=Local",
                        "--store-prefix=etcd-main", "--store-container=etcd-backups"))) {
            MainAccess.Result result = MainAccess.run(POD, args.toArray(String[]::new));
            // Past the checks (exit 2): it fails later, reading a store that does not exist or looking for etcd.
            assertThat(result.code()).as(args.get(0) + ": " + result.err()).isEqualTo(1);
            assertThat(result.err()).doesNotContain("Unknown option").doesNotContain("error: --");
        }
    }
}
