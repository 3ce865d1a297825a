#!/usr/bin/env bash
# Fetches Debian's etcd binaries (etcd-server + etcd-client) at a pinned version and unpacks them
# into a project cache folder, so tests, the demo and the benchmarks run real etcd on a fresh machine.
#
#   EBA_ETCD_VERSION=3.5 (default)  etcd, etcdctl, etcdutl 3.5.16 from Debian trixie
#   EBA_ETCD_VERSION=3.4            etcd, etcdctl 3.4.23 from Debian bookworm (no etcdutl)
#
# (Not ETCD_VERSION: etcd reads every ETCD_* variable as one of its flags.)
# The trixie packages are fetched without touching the machine's apt configuration: a private
# sources list reuses the URI of the machine's own Debian source with the suite changed, and
# apt's lists and archives go to a folder of the project's.
#
# Usage: scripts/provision-etcd.sh [CACHE_ROOT]   (default: <repo>/.cache/etcd)
# Prints the folder holding the binaries: CACHE_ROOT/<version>/usr/bin
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
version="${EBA_ETCD_VERSION:-3.5}"
case "$version" in
  3.5) suite=trixie;   pin=3.5.16-4 ;;
  3.4) suite=bookworm; pin=3.4.23-4+b4 ;;
  *) echo "provision-etcd: EBA_ETCD_VERSION must be 3.5 or 3.4, got '$version'" >&2; exit 2 ;;
esac
cache_root="${1:-$root/.cache/etcd}"
dest="$cache_root/$version"
bin="$dest/usr/bin"
mkdir -p "$cache_root"
exec 9>"$dest.lock"
flock 9
if [ -x "$bin/etcd" ] && [ -x "$bin/etcdctl" ]; then
  echo "$bin"
  exit 0
fi

# The URI of the machine's own Debian archive (deb822 .sources first, then one-line lists).
debian_uri() {
  local f uri
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    uri="$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' "$f")"
    if [ -n "$uri" ] && grep -q 'debian-archive-keyring' "$f"; then echo "$uri"; return; fi
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    uri="$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' "$f" | grep -v security | head -1 || true)"
    if [ -n "$uri" ]; then echo "$uri"; return; fi
  done
  echo "provision-etcd: no Debian source found in /etc/apt" >&2
  exit 1
}

apt_state="$cache_root/apt-$suite"
mkdir -p "$apt_state/lists/partial" "$apt_state/archives/partial"
printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s %s main\n' "$(debian_uri)" "$suite" \
  > "$apt_state/sources.list"
apt_opts=(-o "Dir::Etc::SourceList=$apt_state/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
          -o "Dir::State::Lists=$apt_state/lists" -o "Dir::Cache::Archives=$apt_state/archives"
          -o "APT::Sandbox::User=root")

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
download() { apt-get "${apt_opts[@]}" download "etcd-server=$pin" "etcd-client=$pin" >"$work/apt.log" 2>&1; }
if ! download; then
  apt-get "${apt_opts[@]}" update >"$work/apt-update.log" 2>&1 || { cat "$work/apt-update.log" >&2; exit 1; }
  if ! download; then
    cat "$work/apt.log" >&2
    echo "provision-etcd: etcd $pin is not in Debian $suite; it has:" >&2
    apt-cache "${apt_opts[@]}" madison etcd-server >&2 || true
    exit 1
  fi
fi
staging="$dest.staging.$$"
rm -rf "$staging"
mkdir -p "$staging"
for deb in ./*.deb; do
  dpkg-deb -x "$deb" "$staging"
done
rm -rf "$dest"
mv "$staging" "$dest"
"$bin/etcd" --version 2>&1 | sed -n 1p >&2  # sed reads all input: no SIGPIPE under pipefail
echo "$bin"
