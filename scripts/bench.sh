#!/usr/bin/env bash
# End-to-end performance figures of the agent, each beside a baseline measured in the same run
# (etcdctl, gzip, the delta period, the database size). Starts its own etcd and S3Proxy on
# loopback, generates its own data, prints one table and writes it to bench/results/.
# Usage: scripts/bench.sh [quick|full|scale|restore|soak [ROUNDS]|faults [TRIALS]]   (default quick: a few minutes; full: 2 GiB database
#        and planning over 100,000 segments, much longer; scale: of full's rows only those that grow with size (snapshot, restore,
#        compaction, planning), at full's sizes;
#        restore: only the restore, replay and compaction rows on a 256 MiB database;
#        soak: only the chaos soak, ROUNDS rounds (default 30; a crash round takes seconds, a scale round minutes): 3 pods of etcd + agent,
#        a fault per round, time to heal, acknowledged writes lost and backup gaps (both must be 0).
#        EBA_SOAK_SEED replays a schedule, EBA_SOAK_FAULTS=ETCD_CRASH,AGENT_CRASH restricts the faults,
#        EBA_SOAK_LIFECYCLE=STATIC runs without the member reconciler: crash faults only;
#        faults: the fault trials of the README's "Reliability" section, at full size: TRIALS kill -9s of the
#        sidecar (default 100; EBA_KILL_RATE=2000 adds a paced load of that many writes/s), 20 leader moves at 2,000 writes/s,
#        the disk-full trials, the misbehaving S3 store with a 60 s
#        outage, the sidecar under a memory limit; prints each trial's figures)
# EBA_ETCD_VERSION=3.4 measures on etcd 3.4 (default 3.5).
# See docs/performance.md.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
mode="${1:-quick}"
case "$mode" in quick|full|scale|restore|soak|faults) ;; *) echo "usage: scripts/bench.sh [quick|full|scale|restore|soak [ROUNDS]|faults [TRIALS]]" >&2; exit 2 ;; esac
if [ "$mode" = faults ]; then
  # The trials are integration tests of the agent module; their figures are in their output.
  log="$(mktemp)"
  (cd "$root" && EBA_ETCD_VERSION="${EBA_ETCD_VERSION:-3.5}" scripts/provision-etcd.sh >/dev/null \
    && mvn -q -B -ntp -pl agent -am verify -DskipEtcd34 -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false \
         -Dit.test='SidecarKillsIT,LeaderMovesIT,DiskFullIT,MisbehavingStoreIT,SidecarMemoryCgroupIT' -Dfailsafe.failIfNoSpecifiedTests=false \
         -Deba.kill.trials="${2:-100}" -Deba.kill.rate="${EBA_KILL_RATE:-0}" -Deba.moves.rate=2000 -Deba.outage.seconds=60) \
    >"$log" 2>&1 || { tail -50 "$log" >&2; echo "bench: a fault trial failed (whole output: $log)" >&2; exit 1; }
  sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -h -E '^(sidecar kills|leader moves|misbehaving store|sidecar in a [0-9]+ MiB memory cgroup):'
  exit 0
fi
soak_opts=()
[ -n "${EBA_SOAK_SEED:-}" ] && soak_opts+=("-Dbench.soak.seed=$EBA_SOAK_SEED")
[ -n "${EBA_SOAK_FAULTS:-}" ] && soak_opts+=("-Dbench.soak.faults=$EBA_SOAK_FAULTS")
[ -n "${EBA_SOAK_LIFECYCLE:-}" ] && soak_opts+=("-Dbench.soak.lifecycle=$EBA_SOAK_LIFECYCLE")

agent_jar="$root/agent/target/etcd-backup-agent.jar"
bench_jar="$root/bench/target/etcd-backup-bench-0.1.0-SNAPSHOT.jar"
# Always build: a jar left from an older checkout would measure old code.
echo "bench: building the agent and the bench (mvn -pl bench -am package -DskipTests)" >&2
(cd "$root" && mvn -q -B -pl bench -am package -DskipTests)
[ -f "$agent_jar" ] && [ -f "$bench_jar" ] && [ -d "$root/bench/target/lib" ] || { echo "bench: build did not produce the jars" >&2; exit 1; }
bin="$("$root/scripts/provision-etcd.sh")"

exec java -Xms1g -Xmx4g -Dbench.repo="$root" -Dbench.etcd.bin="$bin" ${soak_opts[@]+"${soak_opts[@]}"} \
  -cp "$bench_jar:$root/bench/target/lib/*" io.etcdbackup.bench.Bench "$@"
