#!/usr/bin/env bash
# Installs the Debian packages shardc builds, tests and runs with. Idempotent: installs only what is missing.
set -euo pipefail
packages=(
  cmake ninja-build ccache g++ pkg-config
  llvm-16-dev
  libprotobuf-dev protobuf-compiler libonnx-dev
  libboost-graph-dev libfmt-dev nlohmann-json3-dev libcli11-dev
  libopenmpi-dev openmpi-bin
  libgtest-dev libgmock-dev libbenchmark-dev libopenblas-dev
  python3 time
  iproute2
)
# tools/fuzz.sh: libFuzzer comes with clang.
if [ "${1:-}" = "--fuzz" ]; then packages+=(clang-16 libclang-rt-16-dev); fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
