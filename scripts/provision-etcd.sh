#!/usr/bin/env bash
# Fetches Debian's etcd binaries (etcd-server + etcd-client, 3.4.x on bookworm) and unpacks them
# into a project cache folder, so tests and the demo run real etcd on a fresh machine.
# Usage: scripts/provision-etcd.sh [CACHE_DIR]   (default: <repo>/.cache/etcd)
# Prints the folder holding etcd and etcdctl.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="${1:-$root/.cache/etcd}"
bin="$dest/usr/bin"
mkdir -p "$(dirname "$dest")"
exec 9>"$dest.lock"
flock 9
if [ -x "$bin/etcd" ] && [ -x "$bin/etcdctl" ]; then
  echo "$bin"
  exit 0
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
if ! apt-get download etcd-server etcd-client >"$work/apt.log" 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq >"$work/apt-update.log" 2>&1 || { cat "$work/apt-update.log" >&2; exit 1; }
    apt-get download etcd-server etcd-client >"$work/apt.log" 2>&1 || { cat "$work/apt.log" >&2; exit 1; }
  else
    cat "$work/apt.log" >&2
    echo "provision-etcd: 'apt-get download etcd-server etcd-client' failed; run 'sudo apt-get update' once and retry" >&2
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
