#!/usr/bin/env bash
# The whole test suite: unit tests and integration tests against real servers (etcd, S3Proxy,
# S3Mock, Azurite, ...). Every server is provisioned and started by the build itself.
# Every real-etcd test runs on etcd 3.5 (EBA_ETCD_VERSION selects another for the main pass); the
# agent module's etcd-3.4-compatibility pass runs a chosen subset again on 3.4 (-DskipEtcd34 skips it).
# Extra arguments go to Maven, e.g. scripts/test.sh -pl snapshot -am
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
EBA_ETCD_VERSION="${EBA_ETCD_VERSION:-3.5}" scripts/provision-etcd.sh >/dev/null
EBA_ETCD_VERSION=3.4 scripts/provision-etcd.sh >/dev/null
# OpenStack Swift + Keystone from Debian's packages (needs root/apt; the Swift tests fail loudly without it).
scripts/swift-aio.sh install
exec mvn -B -ntp verify "$@"
