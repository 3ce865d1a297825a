#!/usr/bin/env bash
# Builds the agent's OCI image, target/image/etcd-backup-agent.oci.tar, without a Docker engine:
# Debian's buildah (installed from apt when missing) with the vfs storage driver, FROM scratch,
# in two layers: the root file system scripts/image-rootfs.sh assembles from Debian packages (a
# jlink'd Java 17, etcd 3.5's tools, CA certificates, user 65532), then the agent's jar. The
# Dockerfile builds the same image with Docker; keep the two in step (ImageIT compares the
# Dockerfile's configuration with this image's).
#
# Needs root and apt (Debian bookworm, as the README's quick start) and the jar built first:
#   mvn -q -DskipTests package && scripts/image.sh
#
# Load it elsewhere with e.g. `skopeo copy oci-archive:target/image/etcd-backup-agent.oci.tar
# docker://REGISTRY/etcd-backup-agent:TAG` or `podman load -i ...`. Nothing here runs a container
# (this sandbox refuses crun's setrlimit); ImageIT tests the image by unpacking its layers and
# running the entrypoint under chroot.
#
# Usage: scripts/image.sh [JAR]     (default agent/target/etcd-backup-agent.jar)
# Prints the archive's path.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
jar="$(realpath "${1:-$root/agent/target/etcd-backup-agent.jar}")"
out_dir="$root/target/image"
out="$out_dir/etcd-backup-agent.oci.tar"

log() { echo "image: $*" >&2; }
die() { log "$*"; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root (buildah with the vfs driver, file ownership in the image)"
[ -f "$jar" ] || die "no $jar: build it first (mvn -q -DskipTests package)"

# The image's configuration. The Dockerfile repeats it; ImageIT checks they agree.
user=65532:65532
workdir=/home/nonroot
entrypoint='["/opt/java/bin/java","-jar","/opt/etcd-backup-agent/etcd-backup-agent.jar"]'
env=(
  "PATH=/opt/java/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
  "JAVA_HOME=/opt/java"
  "HOME=/home/nonroot"
  # The heap follows the container's memory limit (the JVM reads it from the cgroup): half of it,
  # leaving the rest to metaspace, threads, gRPC's direct buffers and the scratch etcd that
  # compaction, restore drills and replays start in the same container. A JVM that ran out of
  # heap exits, so that the kubelet restarts it. Replace the variable to change them.
  "JAVA_TOOL_OPTIONS=-XX:MaxRAMPercentage=50 -XX:+ExitOnOutOfMemoryError"
)

if ! command -v buildah >/dev/null; then
  log "installing buildah from apt"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q --no-install-recommends buildah >&2 \
    || { apt-get update -q >&2 && apt-get install -y -q --no-install-recommends buildah >&2; } \
    || die "apt-get install buildah failed"
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/eba-image.XXXXXX")"
b=(buildah --root "$work/storage" --runroot "$work/run" --storage-driver vfs)
cleanup() { "${b[@]}" rm --all >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
# Nothing is pulled; a private policy keeps buildah from needing /etc/containers/policy.json.
printf '{"default":[{"type":"insecureAcceptAnything"}]}\n' >"$work/policy.json"
policy=(--signature-policy "$work/policy.json")

# The jar's own --version: "etcd-backup-agent 0.1.0-SNAPSHOT" (its manifest's Implementation-Version).
version="$(java -jar "$jar" --version 2>/dev/null | awk '$1 == "etcd-backup-agent" && $2 ~ /^[0-9]/ { print $2; exit }')"
version="${version:-dev}"
revision="$(git -C "$root" rev-parse HEAD 2>/dev/null || echo unknown)"
created="$(git -C "$root" log -1 --format=%ct 2>/dev/null || date +%s)"
tag="etcd-backup-agent:$version"

log "assembling the root file system"
"$root/scripts/image-rootfs.sh" "$work/rootfs"

log "layer 1: the root file system"
ctr="$("${b[@]}" from "${policy[@]}" scratch)"
mnt="$("${b[@]}" mount "$ctr")"
cp -a "$work/rootfs/." "$mnt/"
"${b[@]}" umount "$ctr" >/dev/null
"${b[@]}" commit "${policy[@]}" --quiet --format oci --timestamp "$created" "$ctr" eba-rootfs >/dev/null
"${b[@]}" rm "$ctr" >/dev/null

log "layer 2: the agent"
ctr="$("${b[@]}" from "${policy[@]}" --pull=never eba-rootfs)"
mnt="$("${b[@]}" mount "$ctr")"
install -D -m 0644 -o 0 -g 0 "$jar" "$mnt/opt/etcd-backup-agent/etcd-backup-agent.jar"
"${b[@]}" umount "$ctr" >/dev/null
config=(--user "$user" --workingdir "$workdir" --entrypoint "$entrypoint" --port 8080/tcp
        --stop-signal SIGTERM --os linux --arch "$(dpkg --print-architecture)"
        --label "org.opencontainers.image.title=etcd-backup-agent"
        --label "org.opencontainers.image.description=Backup sidecar for etcd: full and delta snapshots to object stores, restore, compaction"
        --label "org.opencontainers.image.version=$version"
        --label "org.opencontainers.image.revision=$revision")
for e in "${env[@]}"; do config+=(--env "$e"); done
"${b[@]}" config "${config[@]}" "$ctr"
"${b[@]}" commit "${policy[@]}" --quiet --format oci --timestamp "$created" "$ctr" "$tag" >/dev/null

mkdir -p "$out_dir"
rm -f "$out.partial"
"${b[@]}" push "${policy[@]}" --quiet --format oci --compression-format gzip "$tag" "oci-archive:$out.partial:$tag" >&2
mv "$out.partial" "$out"
log "$out: $(du -h "$out" | cut -f1) ($tag, rootfs $(du -sh "$work/rootfs" | cut -f1) + jar $(du -h "$jar" | cut -f1) uncompressed)"
echo "$out"
