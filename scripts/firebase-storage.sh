#!/usr/bin/env bash
# Installs npm's firebase-tools (whose Cloud Storage emulator serves a subset of the GCS JSON API)
# into .cache/firebase-tools if it is not there yet, and prints the path of its firebase launcher.
# The GCS plugin's emulator tests run this script, then start and stop the emulator themselves.
# Needs node (20+) and npm on the PATH. The firebase CLI itself is never run (no login, no usage
# reporting, no Java): scripts/gcs-emulator.cjs loads the storage emulator from the package.
set -euo pipefail

FIREBASE_TOOLS_VERSION="${FIREBASE_TOOLS_VERSION:-15.37.0}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
prefix="$root/.cache/firebase-tools"
bin="$prefix/node_modules/.bin/firebase"

installed_version() {
  node -e 'process.stdout.write(require(process.argv[1]).version)' \
    "$prefix/node_modules/firebase-tools/package.json" 2>/dev/null || true
}

if [[ ! -x "$bin" || "$(installed_version)" != "$FIREBASE_TOOLS_VERSION" ]]; then
  command -v npm >/dev/null || { echo "firebase-storage.sh: npm not found on PATH (install nodejs and npm)" >&2; exit 1; }
  mkdir -p "$prefix"
  echo "firebase-storage.sh: installing firebase-tools@$FIREBASE_TOOLS_VERSION into $prefix" >&2
  for attempt in 1 2 3; do
    npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error "firebase-tools@$FIREBASE_TOOLS_VERSION" >&2 && break
    [[ $attempt -lt 3 ]] || { echo "firebase-storage.sh: npm install failed 3 times" >&2; exit 1; }
    echo "firebase-storage.sh: npm install failed (attempt $attempt of 3); retrying in $((attempt * 10)) s" >&2
    sleep $((attempt * 10))
  done
fi
[[ -x "$bin" ]] || { echo "firebase-storage.sh: $bin missing after install" >&2; exit 1; }
echo "$bin"
