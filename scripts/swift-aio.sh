#!/usr/bin/env bash
# All-in-one OpenStack Swift + Keystone on loopback, for the Swift plugin's integration tests.
#
#   scripts/swift-aio.sh install      install the Debian packages (idempotent; root or sudo)
#   scripts/swift-aio.sh start DIR    start Keystone, memcached and the Swift servers with all
#                                     state under DIR; writes DIR/facts.env (auth URL, user, ...)
#   scripts/swift-aio.sh stop DIR     stop everything start recorded in DIR/pids
#
# Nothing is read from or written to /etc: every config, database, ring and device lives in DIR.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# Debian's interpreter: the Swift and Keystone packages live in its dist-packages, and a python3
# found first on PATH (pyenv, venv) would not see them.
PY=/usr/bin/python3
PACKAGES=(swift swift-proxy swift-object swift-container swift-account python3-swiftclient
          python3-keystonemiddleware memcached keystone python3-openstackclient)

die() { echo "swift-aio: $*" >&2; exit 1; }
log() { echo "swift-aio: $*" >&2; }

as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    die "need root (or sudo) to run: $*"; fi
}

cmd_install() {
  local missing=() p
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [[ ${#missing[@]} -eq 0 ]]; then
    log "packages already installed"
    return 0
  fi
  log "installing: ${missing[*]}"
  # Debian packages start their services on install; keep them down (we run our own copies).
  local created_policy=""
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    as_root sh -c 'printf "#!/bin/sh\nexit 101\n" > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d'
    created_policy=yes
  fi
  local rc=0
  export DEBIAN_FRONTEND=noninteractive
  if ! as_root apt-get install -y -q --no-install-recommends "${missing[@]}"; then
    log "apt-get install failed; running apt-get update and retrying"
    as_root apt-get update -q && as_root apt-get install -y -q --no-install-recommends "${missing[@]}" || rc=$?
  fi
  [[ -n $created_policy ]] && as_root rm -f /usr/sbin/policy-rc.d
  [[ $rc -eq 0 ]] || die "apt-get install of ${missing[*]} failed (rc=$rc)"
}

free_ports() { # N -> N free loopback TCP ports, one per line
  "$PY" - "$1" <<'PY'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(); s.bind(('127.0.0.1', 0)); socks.append(s)
print('\n'.join(str(s.getsockname()[1]) for s in socks))
PY
}

wait_http() { # URL NAME LOGFILE: wait up to 60 s for any HTTP answer from the process NAME started
  local i pid
  pid=$(awk -v n="$2" '$2 == n {print $1}' "$DIR/pids")
  for i in $(seq 1 300); do
    if curl -s -o /dev/null --max-time 2 "$1"; then return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 30 "$3" >&2 || true
      die "$2 exited before answering at $1 (log: $3)"
    fi
    sleep 0.2
  done
  tail -n 30 "$3" >&2 || true
  die "$2 did not answer at $1 within 60 s (log: $3)"
}

spawn() { # NAME LOGFILE CMD...: start in the background, record the pid
  local name=$1 logfile=$2; shift 2
  setsid "$@" >"$logfile" 2>&1 </dev/null &
  echo "$! $name" >>"$DIR/pids"
}

cmd_start() {
  DIR=$(mkdir -p "$1" && cd "$1" && pwd)
  [[ -s $DIR/pids ]] && die "$DIR/pids exists: already started? run '$0 stop $DIR' first"
  local p
  for p in keystone-manage keystone-wsgi-public memcached swift-ring-builder curl sqlite3 "$PY"; do
    command -v "$p" >/dev/null || die "'$p' not found: run '$0 install' first"
  done
  local began=$SECONDS
  mkdir -p "$DIR"/{log,keystone,swift,srv/d1,run}
  : >"$DIR/pids"
  local ports; ports=($(free_ports 6))
  local KP=${ports[0]} MP=${ports[1]} PP=${ports[2]} AP=${ports[3]} CP=${ports[4]} OP=${ports[5]}
  local ADMIN_PW; ADMIN_PW=$("$PY" -c 'import secrets; print(secrets.token_hex(12))')
  local USER_PW; USER_PW=$("$PY" -c 'import secrets; print(secrets.token_hex(12))')

  spawn memcached "$DIR/log/memcached.log" memcached -l 127.0.0.1 -p "$MP" -U 0 -m 64 -u "$(id -un)"

  # Keystone: SQLite (WAL, else concurrent writes fail with "database is locked"), fernet tokens.
  cat >"$DIR/keystone/keystone.conf" <<CONF
[DEFAULT]
log_file = $DIR/log/keystone.log
[database]
connection = sqlite:///$DIR/keystone/keystone.db
[token]
provider = fernet
[fernet_tokens]
key_repository = $DIR/keystone/fernet-keys
[fernet_receipts]
key_repository = $DIR/keystone/fernet-keys
[identity]
# test passwords only: cheap hashing keeps logins fast
password_hash_rounds = 4
[cache]
# without a cache every token validation takes 1-3 s on this single-threaded server
enabled = true
backend = dogpile.cache.memory
CONF
  local SD=$DIR/swift kind port
  # Rings (one device each) are built while keystone-manage runs: both are seconds of Python start-up.
  (
    set -e
    for kind in account:$AP container:$CP object:$OP; do
      port=${kind#*:}; kind=${kind%%:*}
      swift-ring-builder "$SD/$kind.builder" create 4 1 1
      swift-ring-builder "$SD/$kind.builder" add --region 1 --zone 1 --ip 127.0.0.1 --port "$port" --device d1 --weight 1
      swift-ring-builder "$SD/$kind.builder" rebalance || [[ $? -eq 1 ]] # 1 = warning
    done
  ) >"$DIR/log/rings.log" 2>&1 &
  local rings_pid=$!
  local KM=(keystone-manage --config-file "$DIR/keystone/keystone.conf")
  sqlite3 "$DIR/keystone/keystone.db" 'PRAGMA journal_mode=WAL;' >/dev/null
  "${KM[@]}" db_sync >>"$DIR/log/keystone-manage.log" 2>&1 || die "keystone-manage db_sync failed (log: $DIR/log/keystone-manage.log)"
  "${KM[@]}" fernet_setup --keystone-user "$(id -un)" --keystone-group "$(id -gn)" >>"$DIR/log/keystone-manage.log" 2>&1 \
    || die "keystone-manage fernet_setup failed (log: $DIR/log/keystone-manage.log)"
  "${KM[@]}" bootstrap --bootstrap-password "$ADMIN_PW" --bootstrap-region-id RegionOne \
    --bootstrap-admin-url "http://127.0.0.1:$KP/v3" --bootstrap-public-url "http://127.0.0.1:$KP/v3" \
    --bootstrap-internal-url "http://127.0.0.1:$KP/v3" >>"$DIR/log/keystone-manage.log" 2>&1 \
    || die "keystone-manage bootstrap failed (log: $DIR/log/keystone-manage.log)"
  OS_KEYSTONE_CONFIG_DIR="$DIR/keystone" spawn keystone "$DIR/log/keystone-wsgi.log" \
    keystone-wsgi-public --host 127.0.0.1 --port "$KP"

  # Swift: rings of one device each, servers in the foreground (workers = 0), all under DIR.
  printf '[swift-hash]\nswift_hash_path_suffix = %s\nswift_hash_path_prefix = %s\n[storage-policy:0]\nname = Policy-0\ndefault = yes\n' \
    "$("$PY" -c 'import secrets; print(secrets.token_hex(8))')" aio >"$SD/swift.conf"
  local kind port
  wait "$rings_pid" || die "building the rings failed (log: $DIR/log/rings.log)"
  for kind in account:$AP container:$CP object:$OP; do
    port=${kind#*:}; kind=${kind%%:*}
    cat >"$SD/$kind-server.conf" <<CONF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $port
workers = 0
swift_dir = $SD
devices = $DIR/srv
mount_check = false
log_level = WARNING
log_address = /nonexistent
[pipeline:main]
pipeline = $kind-server
[app:$kind-server]
use = egg:swift#$kind
CONF
    # No object updater runs here: a container update that times out (1 s by default, easily
    # reached on a loaded machine) would stay queued and the object would be missing from listings.
    [ "$kind" = object ] && echo 'container_update_timeout = 30' >>"$SD/$kind-server.conf"
    spawn "$kind-server" "$DIR/log/$kind-server.log" "$PY" "$HERE/swift/run_server.py" "$SD" "$kind-server" "$SD/$kind-server.conf"
  done
  cat >"$SD/proxy-server.conf" <<CONF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $PP
workers = 0
swift_dir = $SD
log_level = WARNING
log_address = /nonexistent
[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats authtoken keystoneauth copy slo dlo proxy-logging proxy-server
[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
[filter:catch_errors]
use = egg:swift#catch_errors
[filter:gatekeeper]
use = egg:swift#gatekeeper
[filter:healthcheck]
use = egg:swift#healthcheck
[filter:proxy-logging]
use = egg:swift#proxy_logging
[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:$MP
[filter:listing_formats]
use = egg:swift#listing_formats
[filter:copy]
use = egg:swift#copy
[filter:slo]
use = egg:swift#slo
[filter:dlo]
use = egg:swift#dlo
[filter:authtoken]
paste.filter_factory = keystonemiddleware.auth_token:filter_factory
www_authenticate_uri = http://127.0.0.1:$KP/v3
auth_url = http://127.0.0.1:$KP/v3
auth_type = password
username = admin
password = $ADMIN_PW
project_name = admin
user_domain_id = default
project_domain_id = default
memcached_servers = 127.0.0.1:$MP
delay_auth_decision = true
service_token_roles_required = true
[filter:keystoneauth]
use = egg:swift#keystoneauth
operator_roles = admin, member
CONF
  spawn proxy-server "$DIR/log/proxy-server.log" "$PY" "$HERE/swift/run_server.py" "$SD" proxy-server "$SD/proxy-server.conf"

  wait_http "http://127.0.0.1:$KP/v3" keystone "$DIR/log/keystone-wsgi.log"
  wait_http "http://127.0.0.1:$PP/healthcheck" proxy-server "$DIR/log/proxy-server.log"
  for kind in account:$AP container:$CP object:$OP; do
    wait_http "http://127.0.0.1:${kind#*:}/healthcheck" "${kind%%:*}-server" "$DIR/log/${kind%%:*}-server.log"
  done
  "$PY" "$HERE/swift/keystone_setup.py" "http://127.0.0.1:$KP/v3" "$ADMIN_PW" "http://127.0.0.1:$PP" RegionOne \
    etcd-backup-it tester "$USER_PW" etcd-backup-it >"$DIR/facts.env.tmp" || die "keystone setup failed"
  mv "$DIR/facts.env.tmp" "$DIR/facts.env"
  log "started in $((SECONDS - began)) s; facts in $DIR/facts.env"
}

cmd_stop() {
  local dir=$1 pid name i
  [[ -f $dir/pids ]] || { log "nothing recorded in $dir/pids"; return 0; }
  while read -r pid name; do
    kill -TERM "$pid" 2>/dev/null || true
  done <"$dir/pids"
  for i in $(seq 1 50); do
    local alive=0
    while read -r pid name; do kill -0 "$pid" 2>/dev/null && alive=1; done <"$dir/pids"
    [[ $alive -eq 0 ]] && break
    sleep 0.1
  done
  while read -r pid name; do
    if kill -0 "$pid" 2>/dev/null; then
      log "$name ($pid) ignored SIGTERM; killing"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done <"$dir/pids"
  rm -f "$dir/pids"
}

case "${1:-}" in
  install) cmd_install ;;
  start) [[ $# -eq 2 ]] || die "usage: $0 start DIR"; cmd_start "$2" ;;
  stop) [[ $# -eq 2 ]] || die "usage: $0 stop DIR"; cmd_stop "$2" ;;
  *) die "usage: $0 install | start DIR | stop DIR" ;;
esac
