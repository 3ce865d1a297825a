#!/usr/bin/env bash
# The whole test suite: unit tests and integration tests against real servers (etcd, S3Proxy,
# S3Mock, Azurite, ...). Every server is provisioned and started by the build itself.
# Extra arguments go to Maven, e.g. scripts/test.sh -pl snapshot -am
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
scripts/provision-etcd.sh >/dev/null
# OpenStack Swift + Keystone from Debian's packages (needs root/apt; the Swift tests fail loudly without it).
scripts/swift-aio.sh install
exec mvn -B -ntp verify "$@"
