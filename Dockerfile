# The agent's image for people who build with Docker. It is the image scripts/image.sh builds with
# buildah and no Docker engine (what the project builds and tests: ImageIT): the same root file
# system, assembled from Debian packages by the same script in a bookworm build stage, then FROM
# scratch with the same configuration. It cannot be built where the project is tested (no Docker
# engine there), so ImageIT compares this file's final stage (USER, WORKDIR, ENV, ENTRYPOINT,
# EXPOSE) with the configuration of the image the script built. Layers differ only in number:
# here the home folder is a layer of its own (COPY resets ownership to root; --chown restores it).
#
# Build the jar first, then the image:
#   mvn -q -DskipTests package
#   docker build -t etcd-backup-agent .
FROM debian:bookworm AS rootfs
COPY scripts/ /src/scripts/
RUN /src/scripts/image-rootfs.sh /rootfs

FROM scratch
COPY --from=rootfs /rootfs/ /
COPY --from=rootfs --chown=65532:65532 /rootfs/home/nonroot/ /home/nonroot/
COPY agent/target/etcd-backup-agent.jar /opt/etcd-backup-agent/etcd-backup-agent.jar
# JAVA_TOOL_OPTIONS: the heap is half the container's memory limit (the rest for metaspace,
# threads, gRPC's direct buffers and the scratch etcd of compaction, drills and replays), and a
# JVM out of heap exits so that the kubelet restarts it. See the README's "Image" section.
ENV PATH=/opt/java/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    JAVA_HOME=/opt/java \
    HOME=/home/nonroot \
    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=50 -XX:+ExitOnOutOfMemoryError"
USER 65532:65532
WORKDIR /home/nonroot
EXPOSE 8080/tcp
STOPSIGNAL SIGTERM
ENTRYPOINT ["/opt/java/bin/java", "-jar", "/opt/etcd-backup-agent/etcd-backup-agent.jar"]
