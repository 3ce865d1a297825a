package io.etcdbackup.agent.cli;

import io.etcdbackup.agent.config.EffectiveConfig;
import io.etcdbackup.agent.config.ProcessEnvironment;
import io.etcdbackup.stores.StoreUrl;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * The reference's store flags, as etcd-druid passes them: {@code --storage-provider},
 * {@code --store-prefix}, {@code --store-container} (else {@code STORAGE_CONTAINER}) and
 * {@code --store-endpoint-override} name the store instead of {@code --store} (see {@link ReferenceStore}).
 */
final class ReferenceStoreOptions {

    /** Where the reference reads the bucket when {@code --store-container} is not given. */
    static final String CONTAINER_VARIABLE = "STORAGE_CONTAINER";

    @Option(names = "--storage-provider", hidden = true, paramLabel = "PROVIDER",
            description = "The reference's form of --store: S3, ABS, GCS, Swift, OSS or Local, with --store-prefix and the bucket in "
                    + "STORAGE_CONTAINER (or --store-container); Local is $HOME/<container>/<prefix>.")
    String provider;

    @Option(names = "--store-container", hidden = true, paramLabel = "BUCKET",
            description = "With --storage-provider: the bucket or container (default: STORAGE_CONTAINER).")
    String container;

    @Option(names = "--store-prefix", hidden = true, paramLabel = "PREFIX",
            description = "With --storage-provider: the folder in the bucket.")
    String prefix;

    @Option(names = "--store-endpoint-override", hidden = true, paramLabel = "URL",
            description = "With --storage-provider S3, ABS or GCS: the service endpoint (our endpoint= store URL option).")
    String endpoint;

    @Option(names = "--snapstore-temp-directory", hidden = true, paramLabel = "DIR",
            description = "Accepted for the reference; no effect (uploads stream, nothing is staged on disk).")
    Path tempDirectory;

    private boolean logged;

    /**
     * Applies these flags to {@code --store}: the URL they name becomes its value when it is not
     * given, and must name the same store when it is.
     *
     * @return whether {@code --storage-provider} was given (a problem with it is recorded in {@code checks})
     */
    boolean apply(EffectiveConfig checks, ProcessEnvironment env) {
        ReferenceFlags flags = new ReferenceFlags(checks, !logged);
        logged = true;
        flags.ignored("--snapstore-temp-directory", tempDirectory, "uploads stream; nothing is staged on disk");
        return apply(checks, env, flags, "--", CONTAINER_VARIABLE, "--store", new Form(provider, container, prefix, endpoint));
    }

    /** The four values of the reference's store form. */
    record Form(String provider, String container, String prefix, String endpoint) {
    }

    /**
     * Applies a reference store form whose flags are named {@code flagPrefix + "storage-provider"}
     * and so on ({@code --}, or {@code --source-} for the copy job's source store) to our option {@code ours}.
     *
     * @param containerVariable where the bucket is read when the container flag is not given
     * @return whether the provider flag was given (a problem with it is recorded in {@code checks})
     */
    static boolean apply(EffectiveConfig checks, ProcessEnvironment env, ReferenceFlags flags, String flagPrefix, String containerVariable,
                         String ours, Form form) {
        String providerFlag = flagPrefix + "storage-provider";
        String[] names = {flagPrefix + "store-prefix", flagPrefix + "store-container", flagPrefix + "store-endpoint-override"};
        if (form.provider() == null || form.provider().isBlank()) {
            String[] values = {form.prefix(), form.container(), form.endpoint()};
            for (int i = 0; i < names.length; i++) {
                if (values[i] != null) {
                    checks.reject(names[i], values[i], "needs " + providerFlag + " (the reference's form of " + ours + ")");
                }
            }
            return false;
        }
        Optional<ReferenceStore.Provider> kind = checks.parse(providerFlag, form.provider(), ReferenceStore.Provider::of);
        if (kind.isEmpty()) {
            return true;
        }
        if (form.endpoint() != null && !kind.get().takesEndpoint()) {
            flags.ignored(names[2], form.endpoint(), "the reference uses it for S3, ABS and GCS only");
        }
        Optional<String> bucket = Optional.ofNullable(form.container()).or(() -> env.variable(containerVariable));
        String url;
        try {
            url = ReferenceStore.url(kind.get(), bucket, Objects.requireNonNullElse(form.prefix(), ""), Optional.ofNullable(form.endpoint()),
                    env.variable("HOME"));
            StoreUrl.parse(url);
        } catch (IllegalArgumentException e) {
            checks.reject(providerFlag, form.provider(), e.getMessage());
            return true;
        }
        flags.map(providerFlag, form.provider(), p -> location(url), ours, v -> location((String) v), l -> url);
        return true;
    }

    /** What two store URLs must share to name the same store: scheme, bucket, prefix and endpoint. */
    private static String location(String url) {
        StoreUrl parsed = StoreUrl.parse(url);
        String path = parsed.scheme().equals("file") ? Path.of(parsed.prefix()).normalize().toString() : parsed.prefix();
        return parsed.scheme() + "://" + parsed.container() + "/" + path + parsed.option("endpoint").map(e -> " endpoint=" + e).orElse("");
    }
}
