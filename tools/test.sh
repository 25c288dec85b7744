#!/usr/bin/env bash
# Installs what is missing, builds shardc, and runs every test with ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
tools/build.sh
cd build
ctest --output-on-failure -j "$(nproc)" "$@"
