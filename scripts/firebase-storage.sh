#!/usr/bin/env bash
# Installs npm's firebase-tools (whose Cloud Storage emulator serves a subset of the GCS JSON API)
# into .cache/firebase-tools if it is not there yet, and prints the path of its firebase launcher.
# The GCS plugin's emulator tests run this script, then start and stop the emulator themselves.
# Needs node (20+) and npm on the PATH. The firebase CLI itself is never run (no login, no usage
# reporting, no Java): scripts/gcs-emulator.cjs loads the storage emulator from the package.
set -euo pipefail
exec "$(dirname "${BASH_SOURCE[0]}")/npm-install.sh" firebase-tools "${FIREBASE_TOOLS_VERSION:-15.37.0}" firebase-tools firebase
