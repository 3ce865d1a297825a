package io.etcdbackup.agent.cli;

import io.etcdbackup.agent.config.EffectiveConfig;
import io.etcdbackup.agent.config.GoDurations;
import picocli.CommandLine.Option;

import java.util.Arrays;
import java.util.Locale;

/**
 * The reference's etcd connection flags. Here the scheme of each {@code --endpoints} URL decides
 * whether TLS is used, and etcd's certificate is always verified (against {@code --cacert}, else
 * the JVM's trust store); so these flags are checked against the endpoints and otherwise have no effect.
 */
final class ReferenceEtcdOptions {

    @Option(names = "--insecure-transport", hidden = true, paramLabel = "BOOLEAN", arity = "0..1", fallbackValue = "true",
            description = "Accepted for the reference: true with an https:// endpoint is refused (the URL's scheme decides).")
    Boolean insecureTransport;

    @Option(names = "--insecure-skip-tls-verify", hidden = true, paramLabel = "BOOLEAN", arity = "0..1", fallbackValue = "true",
            description = "Accepted for the reference: true with an https:// endpoint is refused (etcd's certificate is always "
                    + "verified; give its CA with --cacert).")
    Boolean skipTlsVerify;

    @Option(names = "--etcd-connection-timeout", hidden = true, paramLabel = "DURATION",
            description = "Accepted for the reference; no effect (calls to etcd are retried with backoff instead).")
    String connectionTimeout;

    private boolean logged;

    /** Checks these flags against {@code --endpoints}. */
    void apply(EffectiveConfig checks) {
        ReferenceFlags flags = new ReferenceFlags(checks, !logged);
        logged = true;
        Object endpoints = checks.value("--endpoints");
        boolean tls = endpoints != null && Arrays.stream(String.valueOf(endpoints).split(","))
                .anyMatch(e -> e.strip().toLowerCase(Locale.ROOT).startsWith("https://"));
        if (Boolean.TRUE.equals(insecureTransport) && tls) {
            flags.contradicts("--insecure-transport", "true", "--endpoints");
        } else {
            flags.ignored("--insecure-transport", insecureTransport, "the scheme of --endpoints decides (http:// or https://)");
        }
        if (Boolean.TRUE.equals(skipTlsVerify) && tls) {
            checks.reject("--insecure-skip-tls-verify", true, "not supported: etcd's certificate is always verified; give its CA "
                    + "with --cacert");
        } else {
            flags.ignored("--insecure-skip-tls-verify", skipTlsVerify, tls ? "certificates are verified" : "no TLS to etcd");
        }
        checks.parse("--etcd-connection-timeout", connectionTimeout, GoDurations::parse).ifPresent(d -> flags.ignored(
                "--etcd-connection-timeout", connectionTimeout, "calls to etcd are retried with backoff"));
    }
}
