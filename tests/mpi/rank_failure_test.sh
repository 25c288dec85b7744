#!/usr/bin/env bash
# A rank that dies mid-run fails the whole job promptly, named: the demo MLP on 4 ranks (column- then row-parallel,
# so every run all-reduces) runs under `shardc run` for many runs; at a seeded random moment one seeded random rank
# is killed (SIGKILL), crashes (SIGSEGV), is told to stop (SIGTERM) or exits by itself (SIGABRT from abort()); every
# rank and `shardc run` must be gone within 5 s, exit non-zero, and the error line must name the rank. A rank
# stopped in place (SIGSTOP: its peers wait in a collective) is ended by the other ranks' --timeout, and so is one
# stopped as soon as the ranks exist (its peers wait in MPI's start-up).
# Usage: rank_failure_test.sh SHARDC MAKE_MODEL [ITERATIONS [SEED]]   (CI runs one iteration of each kind)
set -euo pipefail
shardc=$1
make_model=$2
iterations=${3:-1}
seed=${4:-1}
work=$(mktemp -d)
trap 'pkill -9 -f "^$work/" 2>/dev/null || true; rm -rf "$work"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
RANDOM=$seed

"$make_model" -o "$work/mlp.onnx" --input "$work/x.npy" --batch 8 > /dev/null
cat > "$work/s.json" <<JSON
{"format": "shardc-strategy", "version": 1,
 "ops": {"MatMul_layer1.weight": {"strategy": [[1, 1], [1, 4]]},
         "MatMul_layer2.weight": {"strategy": [[1, 4], [4, 1]]}}}
JSON
"$shardc" compile "$work/mlp.onnx" --shape x=8x28x28 --ranks 4 --strategy "$work/s.json" -o "$work/out" -q

now() { date +%s.%N; }
# one KIND [start-up]: starts the job, hits a random rank after a random delay (none: at start-up), checks how the
# job ends.
one() {
  local kind=$1 rank=$((RANDOM % 4)) delay
  delay=$(awk -v r=$RANDOM 'BEGIN {printf "%.2f", 0.5 + r / 32768 * 1.5}')
  [ "${2:-}" = start-up ] && delay=0
  local args=(--input "x=$work/x.npy" --repeat 100000000)
  [ "$kind" = STOP ] && args+=(--timeout 2)
  "$shardc" run "$work/out" --timeout 60 -- "${args[@]}" > "$work/log" 2>&1 &
  local job=$!
  # Wait until every rank is up, then the delay.
  for _ in $(seq 100); do [ "$(pgrep -c -f "^$work/out/bin/rank_")" -ge 4 ] && break; sleep 0.1; done
  sleep "$delay"
  local pid
  pid=$(pgrep -f "^$work/out/bin/rank_$rank( |$)" | head -1)
  [ -n "$pid" ] || { echo "FAIL: rank $rank is not running"; cat "$work/log"; return 1; }
  local hit
  hit=$(now)
  kill -"$kind" "$pid"
  local status=0
  wait "$job" || status=$?
  local took
  took=$(awk -v a="$hit" -v b="$(now)" 'BEGIN {printf "%.2f", b - a}')
  local limit=5
  [ "$kind" = STOP ] && limit=8  # the peers' 2 s --timeout comes first
  local left
  left=$(pgrep -c -f "^$work/out/bin/rank_" || true)
  local line
  line=$(grep '^shardc: error:' "$work/log" | tail -1 || true)
  echo "SIG$kind rank $rank after ${delay}s: shardc run exited $status in ${took}s; $line"
  if [ "$status" -eq 0 ]; then echo "FAIL: the job succeeded"; cat "$work/log"; return 1; fi
  if awk -v t="$took" -v l="$limit" 'BEGIN {exit !(t > l)}'; then echo "FAIL: took ${took}s (limit ${limit}s)"; return 1; fi
  if [ "${left:-0}" -ne 0 ]; then echo "FAIL: $left rank(s) still running"; return 1; fi
  if [ "$kind" = STOP ]; then
    # Some other rank times out and names itself.
    echo "$line" | grep -Eq "the job failed: rank [0-9]+" || { echo "FAIL: no rank named"; cat "$work/log"; return 1; }
  else
    echo "$line" | grep -q "the job failed: rank $rank " || { echo "FAIL: rank $rank not named"; cat "$work/log"; return 1; }
  fi
}

for ((i = 0; i < iterations; ++i)); do
  for kind in KILL SEGV TERM ABRT STOP; do one "$kind"; done
  one STOP start-up
done
echo "rank_failure: $((iterations * 6)) runs, every job failed whole, named, in time"
