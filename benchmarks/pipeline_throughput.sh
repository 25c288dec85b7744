#!/usr/bin/env bash
# Pipeline parallel throughput: a GPT (the tests' small GPT at benchmark sizes, tests/models/gpt_builder.h) at batch
# 16 on two ranks, as one stage (data parallel, and Megatron tensor parallel) and as two stages of one rank with 1,
# 2, 4 and 8 micro-batches: samples per second (median run), and the bubble each rank measures (1 - time computing
# / time of the run, averaged over the ranks) against report.json's estimate. One rank alone for reference.
# Usage: benchmarks/pipeline_throughput.sh [BUILD_DIR] [RUNS] [GPT OPTIONS...] (default --layers 4 --width 128 --seq 32)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
runs=${2:-50}
shift $(( $# > 2 ? 2 : $# ))
gpt=("$@")
[ ${#gpt[@]} -gt 0 ] || gpt=(--layers 4 --width 128 --seq 32 --vocab 256 --heads 8)
shardc=$build/tools/shardc
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
batch=16
"$build/benchmarks/shardc-bench-make-gpt" -o "$work/gpt.onnx" --ids "$work/ids.npy" --batch $batch "${gpt[@]}"
layers=$(printf '%s\n' "${gpt[@]}" | awk 'prev == "--layers" {print} {prev = $0}')
layers=${layers:-4}

# One stage of two ranks: every sample on one rank (data parallel), or every layer split (Megatron).
dp='"Gather_wte": {"strategy": [[1, 1], [2, 1]]}, "MatMul_wte_t": {"strategy": [[2, 1, 1], [1, 1]]}'
tp='"Gather_wte": {"strategy": [[2, 1], [1, 1]]}, "MatMul_wte_t": {"strategy": [[1, 1, 1], [1, 2]]}'
for ((l = 0; l < layers; ++l)); do
  for w in q k v o fc1 fc2; do dp+=", \"MatMul_h$l.$w.w\": {\"strategy\": [[2, 1, 1], [1, 1]]}"; done
  for m in qk av; do dp+=", \"h$l.$m\": {\"strategy\": [[2, 1, 1, 1], [2, 1, 1, 1]]}"; done
  for w in q k v fc1; do tp+=", \"MatMul_h$l.$w.w\": {\"strategy\": [[1, 1, 1], [1, 2]]}"; done
  for w in o fc2; do tp+=", \"MatMul_h$l.$w.w\": {\"strategy\": [[1, 1, 2], [2, 1]]}"; done
  for m in qk av; do tp+=", \"h$l.$m\": {\"strategy\": [[1, 2, 1, 1], [1, 2, 1, 1]]}"; done
done
echo "{\"format\": \"shardc-strategy\", \"version\": 1, \"ops\": {$dp}}" > "$work/dp.json"
echo "{\"format\": \"shardc-strategy\", \"version\": 1, \"ops\": {$tp}}" > "$work/tp.json"

# run NAME RANKS [compile options...]: compiles, runs, prints one row.
run() {
  local name=$1 ranks=$2
  shift 2
  "$shardc" compile "$work/gpt.onnx" --ranks "$ranks" -o "$work/$name" -q "$@"
  local log
  log=$("$shardc" run "$work/$name" -- --input "ids=$work/ids.npy" --warmup 5 --repeat "$runs" 2>&1 >/dev/null)
  local median measured estimate
  median=$(echo "$log" | sed -n 's/.*median \([0-9.]*\) ms.*/\1/p')
  measured=$(echo "$log" | sed -n 's/.*computing \([0-9.]*\) ms of \([0-9.]*\) ms per run/\1 \2/p' |
             awk '{busy += $1; if ($2 > wall) wall = $2; n++} END {if (n) printf "%.2f", 1 - busy / n / wall; else print "-"}')
  estimate=-
  [ ! -f "$work/$name/report.json" ] ||
    estimate=$(sed -n 's/.*"bubble_fraction": \([0-9.e-]*\).*/\1/p' "$work/$name/report.json" | awk '{printf "%.2f", $1}')
  printf '%-30s  %10s  %12s  %8s  %8s\n' "$name" "$median" "$(awk -v b=$batch -v m="$median" 'BEGIN {printf "%.0f", b / m * 1e3}')" \
    "${measured:--}" "${estimate:--}"
}

printf '%-30s  %10s  %12s  %8s  %8s\n' "job (2 ranks unless said)" "median ms" "samples/s" "bubble" "estimate"
run "1 rank" 1
run "1 stage, data parallel" 2 --strategy "$work/dp.json"
run "1 stage, tensor parallel" 2 --strategy "$work/tp.json"
for m in 1 2 4 8; do run "2 stages, $m micro-batch(es)" 2 --stages 2 --micro-batches "$m"; done
