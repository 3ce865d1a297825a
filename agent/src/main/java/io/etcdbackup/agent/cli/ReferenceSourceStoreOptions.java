package io.etcdbackup.agent.cli;

import io.etcdbackup.agent.config.EffectiveConfig;
import io.etcdbackup.agent.config.ProcessEnvironment;
import picocli.CommandLine.Option;

/**
 * The reference's flags for the source store of {@code copy}, as etcd-druid's copy job passes them:
 * the target's store flags prefixed with {@code --source-}, the bucket else in
 * {@code SOURCE_STORAGE_CONTAINER}. They name {@code --source-store}.
 */
final class ReferenceSourceStoreOptions {

    static final String CONTAINER_VARIABLE = "SOURCE_STORAGE_CONTAINER";

    @Option(names = "--source-storage-provider", hidden = true, paramLabel = "PROVIDER",
            description = "The reference's form of --source-store: S3, ABS, GCS, Swift, OSS or Local, with --source-store-prefix and the "
                    + "bucket in SOURCE_STORAGE_CONTAINER (or --source-store-container).")
    String provider;

    @Option(names = "--source-store-container", hidden = true, paramLabel = "BUCKET",
            description = "With --source-storage-provider: the bucket or container (default: SOURCE_STORAGE_CONTAINER).")
    String container;

    @Option(names = "--source-store-prefix", hidden = true, paramLabel = "PREFIX",
            description = "With --source-storage-provider: the folder in the bucket.")
    String prefix;

    @Option(names = "--source-store-endpoint-override", hidden = true, paramLabel = "URL",
            description = "With --source-storage-provider S3, ABS or GCS: the service endpoint.")
    String endpoint;

    /**
     * Sets {@code --source-store} from these flags when it is not given (and checks it names the
     * same store when it is).
     *
     * @param env the source's credentials and bucket variables ({@code SOURCE_} prefixed ones first)
     * @return whether {@code --source-storage-provider} was given
     */
    boolean apply(EffectiveConfig checks, ProcessEnvironment env) {
        return ReferenceStoreOptions.apply(checks, env, new ReferenceFlags(checks, true), "--source-", CONTAINER_VARIABLE, "--source-store",
                new ReferenceStoreOptions.Form(provider, container, prefix, endpoint));
    }
}
