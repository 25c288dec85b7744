#!/usr/bin/env bash
# The demo MLP (784-512-512-10) on one rank: time of `shardc compile` and the executable's median latency at
# batch 1 and 64. Prints a table. Usage: benchmarks/mlp_latency.sh [BUILD_DIR]  (default build/)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
shardc=$build/tools/shardc
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$build/tools/shardc-make-demo-model" -o "$work/mlp.onnx"
printf '%-6s  %-14s  %-14s  %-14s  %-12s\n' batch "compile (s)" "median (ms)" "min (ms)" "GFLOP/s"
for batch in 1 64; do
  "$build/tools/shardc-make-demo-model" -o "$work/unused.onnx" --input "$work/x$batch.npy" --batch "$batch"
  start=$(date +%s.%N)
  "$shardc" compile "$work/mlp.onnx" --shape "x=${batch}x28x28" -o "$work/out$batch" -q
  end=$(date +%s.%N)
  line=$("$work/out$batch/bin/rank_0" --input "$work/x$batch.npy" --warmup 20 --repeat 200 2>&1 >/dev/null | grep shardrt)
  median=$(echo "$line" | sed 's/.*median \([0-9.]*\) ms.*/\1/')
  min=$(echo "$line" | sed 's/.*min \([0-9.]*\) ms.*/\1/')
  gflops=$(awk -v b="$batch" -v t="$median" 'BEGIN { printf "%.1f", 2 * b * (784*512 + 512*512 + 512*10) / (t * 1e6) }')
  seconds=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')
  printf '%-6s  %-14s  %-14s  %-14s  %-12s\n' "$batch" "$seconds" "$median" "$min" "$gflops"
done
