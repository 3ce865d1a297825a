package io.etcdbackup.helm.pods;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What the two images hold, taken from this machine, since no container can run here: the agent's
 * image is its runnable jar on a Java runtime (the image's entrypoint is {@code java -jar
 * /opt/etcd-backup-agent/etcd-backup-agent.jar}, with etcd's tools on its {@code PATH}); etcd's
 * image is etcd's binaries, provisioned as every test gets them.
 *
 * @param java       the Java runtime's {@code java}
 * @param agentJar   the agent's runnable jar (the one {@code scripts/image.sh} puts in the image)
 * @param etcdBinDir the folder with {@code etcd}, {@code etcdctl} and {@code etcdutl}
 */
record HostImages(Path java, Path agentJar, Path etcdBinDir) {

    /** The agent image's repository, as the chart names it by default. */
    static final String AGENT_IMAGE = "etcd-backup-agent";

    /** The image's entrypoint for a container that overrides none. */
    List<String> entrypoint(String image) {
        if (repository(image).endsWith(AGENT_IMAGE)) {
            return List.of(java.toString(), "-jar", agentJar.toString());
        }
        throw new IllegalArgumentException("no stand-in for the entrypoint of image " + image);
    }

    /**
     * Where a program named by its path inside an image is on this machine: etcd's binaries by
     * their file name; anything else is refused, so that the test never runs a program it did not
     * mean to.
     */
    String program(String pathInImage) {
        Path name = Path.of(pathInImage).getFileName();
        Path onHost = etcdBinDir.resolve(name);
        if (!Files.isExecutable(onHost)) {
            throw new IllegalArgumentException("no stand-in for " + pathInImage + " (looked for " + onHost + ")");
        }
        return onHost.toString();
    }

    /** The {@code PATH} processes of the images see: etcd's tools first (the agent's image has them in /usr/bin). */
    String path() {
        return etcdBinDir + ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    }

    private static String repository(String image) {
        int tag = image.lastIndexOf(':');
        return tag > image.lastIndexOf('/') ? image.substring(0, tag) : image;
    }
}
