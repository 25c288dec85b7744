#!/usr/bin/env bash
# Configures (once) and builds shardc in build/ with Ninja (and ccache when present).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f build/build.ninja ]; then
  cmake -S . -B build -G Ninja
fi
if [ $# -gt 0 ]; then cmake --build build --target "$@"; else cmake --build build; fi
