#!/usr/bin/env bash
# Installs what is missing, builds shardc, and runs every test with ctest.
#   tools/test.sh [CTEST ARGS...]             the normal build in build/
#   tools/test.sh --sanitize [CTEST ARGS...]  the whole suite built with ASan + UBSan in build-asan/ (leaks in
#                                             Open MPI's own allocations suppressed by tools/lsan.supp)
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
if [ "${1:-}" = "--sanitize" ]; then
  shift
  [ -f build-asan/build.ninja ] || cmake -S . -B build-asan -G Ninja -DSHARDC_SANITIZE=ON
  cmake --build build-asan
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  export LSAN_OPTIONS=suppressions=$PWD/tools/lsan.supp:print_suppressions=0
  cd build-asan
  exec ctest --output-on-failure -j "$(nproc)" --timeout 1500 "$@"
fi
tools/build.sh
cd build
ctest --output-on-failure -j "$(nproc)" "$@"
