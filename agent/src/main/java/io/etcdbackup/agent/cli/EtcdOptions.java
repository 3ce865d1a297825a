package io.etcdbackup.agent.cli;

import io.etcdbackup.agent.config.EffectiveConfig;

import io.etcdbackup.snapshot.etcd.EtcdClients;
import io.etcdbackup.snapshot.etcd.EtcdConnection;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** How to reach etcd; shared by every command that talks to it. */
final class EtcdOptions {

    /** Adds a problem to {@code config} for each bad connection value, and when {@code --endpoints} is missing. */
    void validate(EffectiveConfig config) {
        reference.apply(config);
        if (endpoints == null) {
            config.reject("--endpoints", "", "required: the etcd client URLs, e.g. http://127.0.0.1:2379");
        }
        config.check("--endpoints", endpoints, EtcdConnection::parseEndpoints);
        validateCredentials(config);
    }

    /** Adds a problem for each TLS or credential file that cannot be read (for commands where {@code --endpoints} is optional). */
    void validateCredentials(EffectiveConfig config) {
        // Only whether they can be read: secret contents are read when used, never for checking or printing.
        for (var file : new Object[][] {{"--password-file", passwordFile}, {"--cacert", caCert}, {"--cert", cert}, {"--key", key}}) {
            config.check((String) file[0], file[1] == null ? null : file[1].toString(), EtcdOptions::readable);
        }
    }

    static void readable(String file) {
        if (file != null && !Files.isReadable(Path.of(file))) {
            throw new IllegalArgumentException("cannot read the file");
        }
    }

    // Not picocli-required: a command may need etcd only with some flag (catalog verify --restore); validate() requires it.
    @Option(names = "--endpoints", paramLabel = "URL[,URL...]",
            description = "etcd client URLs; the first is the member this agent sits beside (full snapshots are read from "
                    + "it). Required whenever the command talks to etcd.")
    String endpoints;

    @Mixin
    ReferenceEtcdOptions reference;

    @Option(names = "--cacert", paramLabel = "FILE", description = "PEM CA bundle to verify etcd's TLS certificate.")
    Path caCert;

    @Option(names = "--cert", paramLabel = "FILE", description = "PEM client certificate for etcd mutual TLS.")
    Path cert;

    @Option(names = "--key", paramLabel = "FILE", description = "PEM (PKCS#8) client key for etcd mutual TLS.")
    Path key;

    @Option(names = "--user", paramLabel = "NAME", description = "etcd user, when etcd authentication is on.")
    String user;

    @Option(names = "--password-file", paramLabel = "FILE", description = "File holding the etcd user's password.")
    Path passwordFile;

    EtcdClients clients() {
        return clientsFor(EtcdConnection.parseEndpoints(endpoints));
    }

    /** Clients for {@code urls} with these options' TLS and credentials. */
    EtcdClients clientsFor(java.util.List<java.net.URI> urls) {
        Optional<String> password = Optional.ofNullable(passwordFile).map(f -> {
            try {
                return Files.readString(f, StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read --password-file " + f, e);
            }
        });
        return new EtcdClients(new EtcdConnection(urls, Optional.ofNullable(caCert),
                Optional.ofNullable(cert), Optional.ofNullable(key), Optional.ofNullable(user), password));
    }
}
