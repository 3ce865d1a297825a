#!/usr/bin/env bash
# Installs one pinned npm package into .cache/<folder> if that version is not there yet, and prints
# the path of one of its launchers. Used by the scripts that provide test servers from npm
# (azurite.sh, firebase-storage.sh). Needs node (20+) and npm on the PATH; npm's own registry
# setting is used as it is.
# Usage: scripts/npm-install.sh PACKAGE VERSION FOLDER LAUNCHER
set -euo pipefail
[[ $# -eq 4 ]] || { echo "usage: npm-install.sh PACKAGE VERSION FOLDER LAUNCHER" >&2; exit 2; }
package="$1" version="$2" folder="$3" launcher="$4"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
prefix="$root/.cache/$folder"
bin="$prefix/node_modules/.bin/$launcher"

installed_version() {
  node -e 'process.stdout.write(require(process.argv[1]).version)' \
    "$prefix/node_modules/$package/package.json" 2>/dev/null || true
}

if [[ ! -x "$bin" || "$(installed_version)" != "$version" ]]; then
  command -v npm >/dev/null || { echo "npm-install.sh: npm not found on PATH (install nodejs and npm)" >&2; exit 1; }
  mkdir -p "$prefix"
  echo "npm-install.sh: installing $package@$version into $prefix" >&2
  # The registry is a network away: a failed install is tried again (three attempts in all).
  for attempt in 1 2 3; do
    npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error "$package@$version" >&2 && break
    [[ $attempt -lt 3 ]] || { echo "npm-install.sh: npm install of $package@$version failed 3 times" >&2; exit 1; }
    echo "npm-install.sh: npm install failed (attempt $attempt of 3); retrying in $((attempt * 10)) s" >&2
    sleep $((attempt * 10))
  done
fi
[[ -x "$bin" ]] || { echo "npm-install.sh: $bin missing after install" >&2; exit 1; }
echo "$bin"
