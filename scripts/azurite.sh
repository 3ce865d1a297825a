#!/usr/bin/env bash
# Installs the Azurite blob emulator (npm) into .cache/azurite if it is not there yet, and prints
# the path of its azurite-blob launcher. The Azure plugin's integration tests run this script,
# then start and stop azurite-blob themselves. Needs node (20+) and npm on the PATH.
set -euo pipefail
exec "$(dirname "${BASH_SOURCE[0]}")/npm-install.sh" azurite "${AZURITE_VERSION:-3.35.0}" azurite azurite-blob
