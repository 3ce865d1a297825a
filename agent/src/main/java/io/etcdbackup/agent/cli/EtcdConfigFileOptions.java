package io.etcdbackup.agent.cli;

import io.etcdbackup.agent.config.EffectiveConfig;
import io.etcdbackup.agent.config.ProcessEnvironment;
import io.etcdbackup.agent.member.EtcdConfigTemplate;
import io.etcdbackup.agent.member.EtcdConfigTemplate.ClusterState;
import io.etcdbackup.agent.member.EtcdConfigTemplate.MemberIdentity;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * {@code initialize --etcd-config-template FILE --etcd-config-out FILE}: the init step writes the
 * configuration file etcd starts with, so that an image without a shell (ours, and etcd's
 * distroless one) needs no script between the two. The file is the template rendered for this
 * member, with the {@code initial-cluster-state} and {@code initial-cluster} the init step decided.
 *
 * <p>It is written only after a successful initialization, whole or not at all (a temporary file,
 * synced, then renamed over the old one): etcd never starts from half a file, or from a file that
 * contradicts what was done to its data dir.
 */
final class EtcdConfigFileOptions {

    private final Optional<String> namespace;

    /** @param env whose {@code POD_NAMESPACE} fills the template's {@code ${POD_NAMESPACE}} */
    EtcdConfigFileOptions(ProcessEnvironment env) {
        this.namespace = env.variable("POD_NAMESPACE").filter(n -> !n.isBlank());
    }

    @Option(names = "--etcd-config-template", paramLabel = "FILE",
            description = "etcd configuration file (etcd's --config-file YAML) with ${POD_NAME}/${POD_NAMESPACE} placeholders; "
                    + "with --etcd-config-out, initialize renders it for this member (--name) once the data dir is ready.")
    Path template;

    @Option(names = "--etcd-config-out", paramLabel = "FILE",
            description = "Where to write etcd's configuration file after a successful initialization: the template with the "
                    + "decided initial-cluster-state and initial-cluster. Written whole or not at all; not written when "
                    + "initialize fails or refuses.")
    Path out;

    /** The template as {@link #validate} read it. */
    private EtcdConfigTemplate parsed;

    /** Records a problem when only one of the two is given, the template is unreadable or invalid, or the output's folder is missing. */
    void validate(EffectiveConfig config) {
        if ((template == null) != (out == null)) {
            config.reject(template == null ? "--etcd-config-out" : "--etcd-config-template", template == null ? out : template,
                    "give both --etcd-config-template and --etcd-config-out, or neither");
            return;
        }
        parsed = config.parse("--etcd-config-template", template == null ? null : template.toString(),
                f -> EtcdConfigTemplate.load(Path.of(f))).orElse(null);
        config.check("--etcd-config-out", out == null ? null : out.toString(), f -> {
            Path folder = Path.of(f).toAbsolutePath().getParent();
            if (folder == null || !Files.isDirectory(folder) || !Files.isWritable(folder)) {
                throw new IllegalArgumentException("its folder " + folder + " does not exist or is not writable");
            }
        });
    }

    /**
     * Renders and writes the file, when asked for.
     *
     * @return where it was written; empty without {@code --etcd-config-out}
     * @throws io.etcdbackup.agent.member.ConfigRenderException when the template does not fit this member
     * @throws IOException                                     when the file cannot be written (the old one, if any, is kept)
     */
    Optional<Path> write(String memberName, ClusterState state, String initialCluster) throws IOException {
        if (out == null) {
            return Optional.empty();
        }
        String yaml = (parsed != null ? parsed : EtcdConfigTemplate.load(template))
                .renderDecided(new MemberIdentity(memberName, namespace), state, initialCluster);
        Path part = out.resolveSibling(out.getFileName() + ".part");
        try (FileChannel channel = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            java.nio.ByteBuffer bytes = java.nio.ByteBuffer.wrap(yaml.getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            channel.force(true);
        }
        Files.move(part, out, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return Optional.of(out);
    }
}
