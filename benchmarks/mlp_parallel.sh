#!/usr/bin/env bash
# The demo MLP at batch 64 on 1, 2 and 4 ranks, column- then row-parallel (layer 1 split on its output columns,
# layer 2 on its reduction dim; layer 3 data parallel): median latency, time in collectives, and the bytes each
# rank sends by the plan (the `bytes` of the program's collectives) against the bytes the runtime counted.
# Ranks beyond the machine's 2 cores are oversubscribed: compare ratios, not absolute times.
# Usage: benchmarks/mlp_parallel.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
shardc=$build/tools/shardc
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
"$build/tools/shardc-make-demo-model" -o "$work/mlp.onnx" --input "$work/x.npy" --batch 64
printf '%-6s  %-12s  %-16s  %-16s  %-16s\n' ranks "median (ms)" "collectives (ms)" "plan (B/rank)" "measured (B/rank)"
for n in 1 2 4; do
  cat > "$work/s$n.json" <<JSON
{"format": "shardc-strategy", "version": 1,
 "ops": {"MatMul_layer1.weight": {"strategy": [[1, 1], [1, $n]]},
         "MatMul_layer2.weight": {"strategy": [[1, $n], [$n, 1]]}}}
JSON
  "$shardc" compile "$work/mlp.onnx" --shape x=64x28x28 --ranks "$n" --strategy "$work/s$n.json" -o "$work/o$n" -q
  plan=$( (grep -o 'bytes = [0-9]*' "$work/o$n/programs/program_0.ir" || true) | awk '{s += $3} END {print s + 0}')
  log=$(mpirun -np "$n" "$work/o$n/bin/rank_0" --input "x=$work/x.npy" --warmup 10 --repeat 100 2>&1 >/dev/null)
  median=$(echo "$log" | sed -n 's/.*median \([0-9.]*\) ms.*/\1/p')
  coll=$(echo "$log" | sed -n 's/.*per run: \([0-9.]*\) ms in collectives.*/\1/p')
  measured=$(echo "$log" | sed -n 's/.*collectives, \([0-9]*\) bytes sent.*/\1/p')
  printf '%-6s  %-12s  %-16s  %-16s  %-16s\n' "$n" "$median" "${coll:-0}" "$plan" "${measured:-0}"
done
