#!/usr/bin/env bash
# Assembles the root file system of the agent's image from Debian packages, without the agent's
# jar (scripts/image.sh adds it as a layer of its own; the Dockerfile runs this script in a
# bookworm build stage). Nothing in it comes from a base image:
#
#   /lib, /usr/lib        libc6, libgcc-s1, libstdc++6, zlib1g (what the JVM and etcd link against)
#   /opt/java             a Java 17 runtime jlink'd from Debian's openjdk-17-jdk-headless (its jmods),
#                         with only the modules the agent needs (smaller than openjdk-17-jre-headless)
#   /usr/bin              etcd, etcdctl, etcdutl 3.5 (scripts/provision-etcd.sh: Debian trixie)
#   /etc/ssl/certs        Debian's ca-certificates as one PEM bundle (Go: etcd) and as Java's cacerts
#   /etc/passwd, /etc/group   root and nonroot (65532:65532, home /home/nonroot, as distroless and
#                         etcd-druid have it); /tmp (1777) and /home/nonroot (65532) exist
#   /var/lib/dpkg/status.d    one stanza per Debian package, for image scanners
#
# The bookworm packages come from the machine's own apt sources (the README's machine is bookworm;
# openjdk-17 is not in trixie), at their candidate versions; the .debs are cached in
# .cache/image/debs. Needs root (ownership, apt-get update when the lists are missing).
#
# Usage: scripts/image-rootfs.sh DEST     (DEST must not exist, or be empty)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="${1:?usage: scripts/image-rootfs.sh DEST}"

log() { echo "image-rootfs: $*" >&2; }
die() { log "$*"; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root (file ownership in the image; apt-get)"
if [ -e "$dest" ] && [ -n "$(ls -A "$dest")" ]; then die "$dest exists and is not empty"; fi

arch="$(dpkg --print-architecture)"
jvm="usr/lib/jvm/java-17-openjdk-$arch"
# The modules the agent needs: what `jdeps --print-module-deps --ignore-missing-deps --multi-release 17`
# reports for the shaded jar (their own dependencies come with them), plus the service providers
# jdeps cannot see: jdk.crypto.ec (elliptic-curve TLS), jdk.naming.dns (DNS lookups through JNDI),
# jdk.zipfs (zip file systems), jdk.net (extended socket options).
modules="java.base,java.compiler,java.desktop,java.instrument,java.naming,java.net.http,java.rmi,java.security.jgss,java.sql,jdk.httpserver,jdk.jfr,jdk.management,jdk.unsupported"
modules="$modules,jdk.crypto.ec,jdk.naming.dns,jdk.zipfs,jdk.net"
runtime_packages=(libc6 libgcc-s1 libstdc++6 zlib1g ca-certificates base-files)
jdk_packages=(openjdk-17-jre-headless openjdk-17-jdk-headless)

cache="$root/.cache/image/debs"
mkdir -p "$cache"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# --- the .debs, at the candidate versions of the machine's apt sources ----------------------
# Missing lists, or lists older than the mirror (a .deb gone after an update): apt-get update once.
candidate() { apt-cache policy "$1" 2>/dev/null | awk '$1 == "Candidate:" { print $2 }'; }
all=("${runtime_packages[@]}" "${jdk_packages[@]}")
fetch() {
  local p c found
  debs=()
  for p in "${all[@]}"; do
    c="$(candidate "$p")"
    if [ -z "$c" ] || [ "$c" = "(none)" ]; then log "no candidate for $p"; return 1; fi
    found=("$cache/${p}_${c//:/%3a}_"*.deb)
    if [ ! -f "${found[0]}" ]; then
      rm -f "$cache/${p}_"*.deb  # another version's
      if ! (cd "$cache" && apt-get -q -o APT::Sandbox::User=root download "$p=$c" >"$work/download.log" 2>&1); then
        cat "$work/download.log" >&2
        return 1
      fi
      found=("$cache/${p}_${c//:/%3a}_"*.deb)
    fi
    debs+=("${found[0]}")
  done
}
if ! fetch; then
  log "apt-get update"
  DEBIAN_FRONTEND=noninteractive apt-get update -q >"$work/apt-update.log" 2>&1 || { cat "$work/apt-update.log" >&2; exit 1; }
  fetch || die "the packages are not in this machine's apt sources (the image is built on Debian bookworm: openjdk-17)"
fi
deb_of() { local d; for d in "${debs[@]}"; do case "$(basename "$d")" in "$1"_*) echo "$d"; return;; esac; done; }

# --- the runtime's libraries and files ------------------------------------------------------
mkdir -p "$dest"
chown 0:0 "$dest"
chmod 755 "$dest"
for p in libc6 libgcc-s1 libstdc++6 zlib1g ca-certificates; do
  dpkg-deb -x "$(deb_of "$p")" "$dest"
done
# From base-files only the release files (scanners and people read them).
mkdir -p "$work/base-files"
dpkg-deb -x "$(deb_of base-files)" "$work/base-files"
mkdir -p "$dest/etc" "$dest/usr/lib"
cp -a "$work/base-files/usr/lib/os-release" "$dest/usr/lib/os-release"
ln -sfn ../usr/lib/os-release "$dest/etc/os-release"
cp -a "$work/base-files/etc/debian_version" "$dest/etc/debian_version"

# --- Java: jlink'd from Debian's JDK (unpacked beside, never installed) ---------------------
jdk="$work/jdk"
mkdir -p "$jdk"
for p in "${jdk_packages[@]}"; do dpkg-deb -x "$(deb_of "$p")" "$jdk"; done
# Debian's JDK links parts of itself to /etc/java-17-openjdk and /etc/ssl by absolute paths:
# point them into the unpacked tree, so it runs whether or not the machine has a JDK of its own.
while IFS= read -r -d '' link; do
  target="$(readlink "$link")"
  case "$target" in
    /*) ln -sfn "$(realpath -ms --relative-to="$(dirname "$link")" "$jdk$target")" "$link" ;;
  esac
done < <(find "$jdk" -type l -print0)
java_home="$jdk/$jvm"
"$java_home/bin/jlink" --module-path "$java_home/jmods" --add-modules "$modules" --output "$dest/opt/java" \
  --strip-debug --no-man-pages --no-header-files --compress=2

# --- CA certificates: the PEM bundle update-ca-certificates would write, and Java's cacerts --
mkdir -p "$dest/etc/ssl/certs"
certs=("$dest"/usr/share/ca-certificates/mozilla/*.crt)
[ "${#certs[@]}" -gt 100 ] || die "ca-certificates has only ${#certs[@]} certificates"
for c in "${certs[@]}"; do cat "$c"; done >"$dest/etc/ssl/certs/ca-certificates.crt"
rm -f "$dest/opt/java/lib/security/cacerts"
"$java_home/bin/java" -Dkeystore.pkcs12.certProtectionAlgorithm=NONE -Dkeystore.pkcs12.macAlgorithm=NONE \
  "$root/scripts/image/TrustStore.java" "$dest/usr/share/ca-certificates/mozilla" "$dest/opt/java/lib/security/cacerts"
rm -rf "$dest/usr/share/ca-certificates" "$dest/usr/sbin" "$dest/etc/ca-certificates"

# --- etcd 3.5 -----------------------------------------------------------------------------
etcd_bin="$("$root/scripts/provision-etcd.sh")"
[ -x "$etcd_bin/etcdutl" ] || die "no etcdutl in $etcd_bin (etcd 3.5 is needed)"
mkdir -p "$dest/usr/bin"
for b in etcd etcdctl etcdutl; do install -m 0755 "$etcd_bin/$b" "$dest/usr/bin/$b"; done
for d in "$etcd_bin"/../share/doc/etcd-*; do
  [ -f "$d/copyright" ] && install -D -m 0644 "$d/copyright" "$dest/usr/share/doc/$(basename "$d")/copyright"
done

# --- users, name service, writable folders ---------------------------------------------------
cat >"$dest/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
EOF
cat >"$dest/etc/group" <<'EOF'
root:x:0:
nonroot:x:65532:
EOF
printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$dest/etc/nsswitch.conf"
printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$dest/etc/hosts"
chmod 644 "$dest/etc/passwd" "$dest/etc/group" "$dest/etc/nsswitch.conf" "$dest/etc/hosts"
install -d -m 0700 "$dest/root"
install -d -m 0755 "$dest/dev" "$dest/proc" "$dest/sys"   # mount points a runtime fills
install -d -m 1777 "$dest/tmp"
install -d -m 0755 -o 65532 -g 65532 "$dest/home/nonroot"

# --- trim what a JVM and three Go binaries never read ----------------------------------------
find "$dest/usr/share/doc" -mindepth 2 ! -name copyright -exec rm -rf {} + 2>/dev/null || true
# (gconv: iconv's converters; neither the JVM nor Go uses iconv.)
rm -rf "$dest/usr/share/man" "$dest/usr/share/info" "$dest/usr/share/locale" "$dest/usr/share/lintian" \
  "$dest/usr/share/gcc" "$dest/usr/share/gdb" "$dest"/usr/lib/*-linux-gnu/gconv
ldconfig -r "$dest" 2>/dev/null || log "ldconfig -r failed; the loader falls back to its default folders"

# --- what is inside, for scanners and people ------------------------------------------------
mkdir -p "$dest/var/lib/dpkg/status.d"
# openjdk-17-jre-headless stands for the jlink'd runtime: the same build, fewer modules.
for p in "${runtime_packages[@]}" openjdk-17-jre-headless; do
  { dpkg-deb -f "$(deb_of "$p")"; echo "Status: install ok installed"; } >"$dest/var/lib/dpkg/status.d/$p"
done
{
  echo "# etcd-backup-agent image contents (scripts/image-rootfs.sh)"
  for p in "${all[@]}"; do echo "$p $(dpkg-deb -f "$(deb_of "$p")" Version)"; done
  echo "java $("$dest/opt/java/bin/java" -version 2>&1 | sed -n 2p) (jlink: $modules)"
  echo "etcd $("$dest/usr/bin/etcd" --version 2>&1 | sed -n 1p | sed 's/.*: //')"
} >"$work/contents.txt"
install -D -m 0644 "$work/contents.txt" "$dest/usr/share/etcd-backup-agent/image-contents.txt"
log "root file system in $dest: $(du -sh "$dest" | cut -f1)"
