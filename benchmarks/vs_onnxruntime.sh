#!/usr/bin/env bash
# End to end against ONNX Runtime, on the same number of threads (1, then each count in THREADS): the demo MLP (batch 1 and 64), a transformer block and a
# ResNet-style stack (benchmarks/make_models.cpp), each compiled by shardc and run by its executable, and run by
# ONNX Runtime through onnxruntime-node (installed from the npm registry into a cache directory the first time, its
# install script skipped: it would fetch GPU binaries). Prints median latencies and their ratio.
# ORT's figure includes Node's per-call overhead (a few microseconds), which only the smallest model notices.
# Usage: benchmarks/vs_onnxruntime.sh [BUILD_DIR] [REPEAT] [THREADS (default "1 2")]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
repeat=${2:-100}
thread_counts=${3:-1 2}
cache=${SHARDC_ORT_DIR:-$HOME/.cache/shardc-bench/onnxruntime}
if [ ! -d "$cache/node_modules/onnxruntime-node" ]; then
  mkdir -p "$cache"
  (cd "$cache" && npm install --ignore-scripts --no-audit --no-fund onnxruntime-node > /dev/null)
fi
ort_version=$(node -p "require('$cache/node_modules/onnxruntime-node/package.json').version")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$build/tools/shardc-make-demo-model" -o "$work/mlp.onnx" > /dev/null
"$build/benchmarks/shardc-bench-make-models" -o "$work"

# A float32 .npy of the given shape (values sin(i), as the Node script feeds ORT).
npy() {
  python3 - "$1" "$2" <<'PY'
import math, struct, sys
shape = tuple(int(d) for d in sys.argv[2].split('x'))
header = "{'descr': '<f4', 'fortran_order': False, 'shape': %s, }" % (str(shape) if len(shape) != 1 else "(%d,)" % shape[0])
header += ' ' * ((64 - (10 + len(header) + 1) % 64) % 64) + '\n'
n = math.prod(shape)
with open(sys.argv[1], 'wb') as f:
    f.write(b'\x93NUMPY\x01\x00' + struct.pack('<H', len(header)) + header.encode())
    f.write(struct.pack('<%df' % n, *(math.sin(i) for i in range(n))))
PY
}

printf 'ONNX Runtime %s (onnxruntime-node), intra-op threads = shardc --threads; shardc, 1 rank\n\n' "$ort_version"
printf '| model | input | threads | shardc ms | ONNX Runtime ms | ORT / shardc |\n|---|---|---|---|---|---|\n'
while read -r name model input dims; do
  "$build/tools/shardc" compile "$work/$model" --shape "$input=$dims" -o "$work/$name" -q
  npy "$work/$name.npy" "$dims"
  for threads in $thread_counts; do
    mine=$("$work/$name/bin/rank_0" --input "$input=$work/$name.npy" --warmup 20 --repeat "$repeat" --threads "$threads" \
           2>&1 >/dev/null | sed -n 's/.*median \([0-9.]*\) ms.*/\1/p')
    peer=$(NODE_PATH="$cache/node_modules" node benchmarks/ort_latency.js "$work/$model" "$input" "$dims" 20 "$repeat" \
           "$threads" | sed -n 's/median \([0-9.]*\) ms/\1/p')
    ratio=$(awk -v a="$mine" -v b="$peer" 'BEGIN { printf "%.2f", b / a }')
    printf '| %s | %s=%s | %s | %s | %s | %s |\n' "$name" "$input" "$dims" "$threads" "$mine" "$peer" "$ratio"
  done
done <<'MODELS'
mlp-b1 mlp.onnx x 1x28x28
mlp-b64 mlp.onnx x 64x28x28
transformer transformer.onnx x 1x128x512
resnet resnet.onnx x 1x3x112x112
MODELS
