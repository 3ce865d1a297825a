#!/usr/bin/env bash
# The local demo: etcd + agent + a local store. Writes data, runs the agent as a sidecar
# (full + delta snapshots into a folder), restores into a new data dir, starts etcd on it and
# shows that keys, values, revisions and the store revision match the source.
# Usage: scripts/demo.sh [WORK_DIR]    (default: ./demo-work, wiped first)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="${1:-$root/demo-work}"
jar="$root/agent/target/etcd-backup-agent.jar"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "Building the agent (skipped if the jar is there)"
if [ ! -f "$jar" ]; then
  (cd "$root" && mvn -q -B -DskipTests package)
fi
bin="$("$root/scripts/provision-etcd.sh")"
export PATH="$bin:$PATH" ETCDCTL_API=3

free_port() {
  local port
  for port in $(shuf -i 20000-29999 -n 200); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
  done
  echo "no free port" >&2; exit 1
}
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

start_etcd() { # name data-dir client-port peer-port
  etcd --name "$1" --data-dir "$2" --listen-client-urls "http://127.0.0.1:$3" --advertise-client-urls "http://127.0.0.1:$3" \
    --listen-peer-urls "http://127.0.0.1:$4" --initial-advertise-peer-urls "http://127.0.0.1:$4" \
    --initial-cluster "$1=http://127.0.0.1:$4" --heartbeat-interval=10 --election-timeout=100 >"$work/$1.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do
    etcdctl --endpoints "http://127.0.0.1:$3" endpoint health >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "etcd $1 did not start; see $work/$1.log" >&2; exit 1
}

rm -rf "$work"; mkdir -p "$work"
src_port=$(free_port); src_peer=$(free_port)
src="http://127.0.0.1:$src_port"
store="file://$work/store"

say "Starting etcd $(etcd --version | sed -n 1p | cut -d' ' -f3) on $src"
start_etcd source "$work/source.etcd" "$src_port" "$src_peer"

say "Writing 500 keys, overwriting 100, deleting 50, one multi-key transaction"
for i in $(seq 1 500); do echo "put /registry/pods/default/pod-$i {\"name\":\"pod-$i\",\"phase\":\"Pending\"}"; done > "$work/puts.txt"
while read -r _ key value; do etcdctl --endpoints "$src" put "$key" "$value" >/dev/null; done < "$work/puts.txt"

say "Starting the agent as a sidecar (delta period 1s): it takes the first full snapshot itself"
java -jar "$jar" server --server-port 0 --endpoints "$src" --store "$store" --delta-period 1s --full-schedule "" 2>"$work/agent.log" &
agent=$!
pids+=($agent)
for i in $(seq 1 100); do
  etcdctl --endpoints "$src" put "/registry/pods/default/pod-$i" "{\"name\":\"pod-$i\",\"phase\":\"Running\"}" >/dev/null
done
for i in $(seq 451 500); do etcdctl --endpoints "$src" del "/registry/pods/default/pod-$i" >/dev/null; done
printf '\nput /registry/configmaps/kube-system/a 1\nput /registry/configmaps/kube-system/b 2\nput /registry/configmaps/kube-system/c 3\n\n\n' \
  | etcdctl --endpoints "$src" txn >/dev/null
lease=$(etcdctl --endpoints "$src" lease grant 3600 | awk '{print $2}')
etcdctl --endpoints "$src" put /registry/leases/kube-node-lease/node-1 "renewed" --lease="$lease" >/dev/null
sleep 2.5

say "Stopping the agent (SIGTERM: it publishes the buffered deltas, then exits 0)"
kill -TERM "$agent"
wait "$agent" && echo "agent exited 0"

say "What the store holds"
java -jar "$jar" list --store "$store" 2>/dev/null

say "Restoring into a new data dir"
dst_port=$(free_port); dst_peer=$(free_port)
java -jar "$jar" restore --store "$store" --data-dir "$work/restored.etcd" --name restored \
  --initial-cluster "restored=http://127.0.0.1:$dst_peer" --initial-advertise-peer-urls "http://127.0.0.1:$dst_peer" \
  2>"$work/restore.log"

say "Starting etcd on the restored data dir"
dst="http://127.0.0.1:$dst_port"
start_etcd restored "$work/restored.etcd" "$dst_port" "$dst_peer"

say "Comparing source and restored etcd"
dump() { etcdctl --endpoints "$1" get "" --from-key -w fields | grep -E '^"(Key|Value|CreateRevision|ModRevision|Version|Lease)"'; }
revision() { etcdctl --endpoints "$1" endpoint status -w fields | awk -F' : ' '/"Revision"/ {print $2}'; }
dump "$src" > "$work/source.txt"; dump "$dst" > "$work/restored.txt"
src_rev=$(revision "$src"); dst_rev=$(revision "$dst")
keys=$(grep -c '^"Key"' "$work/source.txt")
echo "source:   revision $src_rev, $keys keys"
echo "restored: revision $dst_rev, $(grep -c '^"Key"' "$work/restored.txt") keys"
if [ "$src_rev" = "$dst_rev" ] && diff -q "$work/source.txt" "$work/restored.txt" >/dev/null; then
  echo "MATCH: every key, value, create/mod revision, version and lease is equal, and so is the revision"
else
  diff "$work/source.txt" "$work/restored.txt" | sed -n 1,20p
  echo "MISMATCH" >&2
  exit 1
fi
