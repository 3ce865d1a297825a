#!/usr/bin/env bash
# Installs the Azurite blob emulator (npm) into .cache/azurite if it is not there yet, and prints
# the path of its azurite-blob launcher. The Azure plugin's integration tests run this script,
# then start and stop azurite-blob themselves. Needs node (20+) and npm on the PATH.
set -euo pipefail

AZURITE_VERSION="${AZURITE_VERSION:-3.35.0}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
prefix="$root/.cache/azurite"
bin="$prefix/node_modules/.bin/azurite-blob"

installed_version() {
  node -e 'process.stdout.write(require(process.argv[1]).version)' \
    "$prefix/node_modules/azurite/package.json" 2>/dev/null || true
}

if [[ ! -x "$bin" || "$(installed_version)" != "$AZURITE_VERSION" ]]; then
  command -v npm >/dev/null || { echo "azurite.sh: npm not found on PATH (install nodejs and npm)" >&2; exit 1; }
  mkdir -p "$prefix"
  echo "azurite.sh: installing azurite@$AZURITE_VERSION into $prefix" >&2
  # The registry is a network away: a failed install is tried again (three attempts in all).
  for attempt in 1 2 3; do
    npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error "azurite@$AZURITE_VERSION" >&2 && break
    [[ $attempt -lt 3 ]] || { echo "azurite.sh: npm install of azurite@$AZURITE_VERSION failed 3 times" >&2; exit 1; }
    echo "azurite.sh: npm install failed (attempt $attempt of 3); retrying in $((attempt * 10)) s" >&2
    sleep $((attempt * 10))
  done
fi
[[ -x "$bin" ]] || { echo "azurite.sh: $bin missing after install" >&2; exit 1; }
echo "$bin"
