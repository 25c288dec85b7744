#!/usr/bin/env bash
# Does the cost model rank strategies as the machine does? The demo MLP at batch 64 on 2 ranks: every complete
# strategy whose estimated cost is within 3x of the best (`shardc search --enumerate`) is compiled and its median
# latency measured (the best of ROUNDS interleaved rounds, default 3); prints the table and Kendall's tau between
# estimated and measured latency. With MACHINE=calibrate
# the cost model uses this machine's figures (`shardc calibrate`), otherwise the built-in defaults.
# Usage: [MACHINE=calibrate] benchmarks/search_ranking.sh [BUILD_DIR] [REPEAT]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
repeat=${2:-200}
shardc=$build/tools/shardc
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
"$build/tools/shardc-make-demo-model" -o "$work/mlp.onnx" --input "$work/x.npy" --batch 64 > /dev/null
machine=()
if [ "${MACHINE:-}" = calibrate ]; then
  "$shardc" calibrate -o "$work/machine.json"
  machine=(--machine "$work/machine.json")
fi
"$shardc" search "$work/mlp.onnx" --shape x=64x28x28 --ranks 2 --enumerate "$work/enum" --within 3 -o /dev/null "${machine[@]}"
: > "$work/table.tsv"
# Compile every strategy, then time them in interleaved rounds and keep each one's best median: this shared
# machine drifts over the minutes a single pass takes, which would otherwise rank early and late runs apart.
while IFS=$'\t' read -r n est; do
  "$shardc" compile "$work/mlp.onnx" --shape x=64x28x28 --ranks 2 --strategy "$work/enum/strategy_$n.json" -o "$work/o$n" -q </dev/null
done < "$work/enum/estimates.tsv"
for round in $(seq "${ROUNDS:-3}"); do
  while IFS=$'\t' read -r n est; do
    log=$(mpirun -np 2 "$work/o$n/bin/rank_0" --input "x=$work/x.npy" --warmup 20 --repeat "$repeat" 2>&1 >/dev/null </dev/null)
    echo "$n $(echo "$log" | sed -n 's/.*median \([0-9.]*\) ms.*/\1/p')" >> "$work/medians.txt"
  done < "$work/enum/estimates.tsv"
done
while IFS=$'\t' read -r n est; do
  median=$(awk -v n="$n" '$1 == n { if (best == "" || $2 < best) best = $2 } END { print best }' "$work/medians.txt")
  splits=$(python3 -c "import json,sys; d=json.load(open(sys.argv[1]))['ops']; print(' '.join(k.split('_')[1].split('.')[0]+'='+str(v['strategy']).replace(' ','') for k,v in sorted(d.items())))" "$work/enum/strategy_$n.json")
  printf '%s\t%s\t%s\t%s\n' "$n" "$est" "$median" "$splits" >> "$work/table.tsv"
done < "$work/enum/estimates.tsv"
python3 - "$work/table.tsv" <<'PY'
import sys
rows = [l.rstrip('\n').split('\t') for l in open(sys.argv[1])]
print(f"{'#':>3}  {'estimated ms':>12}  {'measured ms':>11}  strategy")
for n, est, med, s in rows:
    print(f"{n:>3}  {float(est)*1e3:12.3f}  {float(med):11.3f}  {s}")
est = [float(r[1]) for r in rows]; med = [float(r[2]) for r in rows]
c = d = 0
for i in range(len(rows)):
    for j in range(i + 1, len(rows)):
        s = (est[i] - est[j]) * (med[i] - med[j])
        c += s > 0; d += s < 0
print(f"Kendall tau over {len(rows)} strategies: {(c - d) / max(c + d, 1):.3f}")
PY
