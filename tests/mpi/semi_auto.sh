#!/usr/bin/env bash
# Semi-auto parallel end to end: the demo MLP compiled from strategies (the seed's 8-rank example in each of the
# three file formats, column- then row-parallel, data parallel), run under mpirun, compared with the reference
# interpreter. Usage: semi_auto.sh SHARDC MAKE_MODEL FIXTURES_DIR
set -euo pipefail
shardc=$1
make_model=$2
fixtures=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1

"$make_model" -o "$work/mlp.onnx" --input "$work/x.npy" --batch 8
"$shardc" eval "$work/mlp.onnx" --shape x=8x28x28 --input "x=$work/x.npy" --output-dir "$work/ref" > /dev/null

# run NAME RANKS [compile options...]: compile, run on RANKS ranks, compare with the interpreter.
run() {
  local name=$1 ranks=$2
  shift 2
  "$shardc" compile "$work/mlp.onnx" --shape x=8x28x28 --ranks "$ranks" -o "$work/$name" -q "$@"
  mpirun -np "$ranks" "$work/$name/bin/rank_0" --input "x=$work/x.npy" --output-dir "$work/$name.out"
  "$shardc" compare "$work/$name.out/logits.npy" "$work/ref/logits.npy" > "$work/$name.cmp" \
    || { echo "$name: outputs differ"; cat "$work/$name.cmp"; exit 1; }
  echo "$name: $(tail -1 "$work/$name.cmp")"
}
count() { grep -c " = $2(" "$work/$1/programs/program_0.ir" || true; }

if [ -d "$fixtures" ]; then
  run seed_pb 8 --strategy "$fixtures/synthetic_strategy_8dev.ckpt"
  run seed_json 8 --strategy "$fixtures/synthetic_strategy_8dev.json"
  "$shardc" inspect "$fixtures/synthetic_strategy_8dev.json" --format shardc -o "$work/seed_shardc.json" > /dev/null
  run seed_shardc 8 --strategy "$work/seed_shardc.json"
  run seed_mesh 8 --mesh 2x4 --strategy "$fixtures/synthetic_strategy_8dev.json"
  # layer3 splits its reduction dim: its partial sums meet in exactly one all-reduce.
  [ "$(count seed_json AllReduce)" -eq 1 ] || { echo "seed: expected one all-reduce"; exit 1; }
  # At the seed's own batch of 1 the strategy cannot split the batch two ways.
  "$make_model" -o "$work/unused.onnx"
  if "$shardc" compile "$work/mlp.onnx" --shape x=1x28x28 --ranks 8 --strategy "$fixtures/synthetic_strategy_8dev.json" \
       -o "$work/batch1" 2> "$work/batch1.err"; then
    echo "batch 1: compiled, expected a refusal"; exit 1
  fi
  grep -qx "shardc: error: node 'layer1.matmul' (MatMul): input 0 dim 0 of size 1 does not divide into 2 parts" "$work/batch1.err" \
    || { echo "batch 1: unexpected error:"; cat "$work/batch1.err"; exit 1; }
  [ ! -e "$work/batch1" ] || { echo "batch 1: left an output directory"; exit 1; }
fi

# Column-parallel layer 1, row-parallel layer 2 (a Megatron pair) on 2 ranks: one all-reduce and nothing between
# the two; layer 3 (no strategy) runs data parallel, so its rows are sliced and gathered once at the output.
cat > "$work/megatron.json" <<'JSON'
{"format": "shardc-strategy", "version": 1,
 "ops": {"MatMul_layer1.weight": {"strategy": [[1, 1], [1, 2]]},
         "MatMul_layer2.weight": {"strategy": [[1, 2], [2, 1]]}}}
JSON
run megatron 2 --strategy "$work/megatron.json"
[ "$(count megatron AllReduce)" -eq 1 ] || { echo "megatron: expected one all-reduce"; cat "$work/megatron/programs/program_0.ir"; exit 1; }
between=$(sed -n '/%layer1.matmul = /,/%layer2.matmul = /p' "$work/megatron/programs/program_0.ir")
if echo "$between" | grep -qE "AllGather|AllToAll|ShardSlice|AllReduce|ReduceScatter"; then
  echo "megatron: a collective between the column- and the row-parallel matmul:"; echo "$between"; exit 1
fi
[ "$(count megatron AllGather)" -eq 1 ] || { echo "megatron: expected one all-gather (the output)"; exit 1; }

# Data parallel (no strategy) on 1, 2 and 4 ranks.
run dp1 1
run dp2 2
run dp4 4
run dp8 8
# A split that needs an all-to-all: layer1 splits rows, layer2 wants its input split on columns.
cat > "$work/a2a.json" <<'JSON'
{"format": "shardc-strategy", "version": 1,
 "ops": {"MatMul_layer1.weight": {"strategy": [[4, 1], [1, 1]]},
         "MatMul_layer2.weight": {"strategy": [[1, 4], [4, 1]]}}}
JSON
run a2a 4 --strategy "$work/a2a.json"
[ "$(count a2a AllToAll)" -ge 1 ] || { echo "a2a: expected an all-to-all"; cat "$work/a2a/programs/program_0.ir"; exit 1; }
# shardc run launches the job itself; a rank that fails fails the job, naming itself.
"$shardc" run "$work/dp2" -- --input "x=$work/x.npy" --output-dir "$work/viarun"
"$shardc" compare "$work/viarun/logits.npy" "$work/ref/logits.npy" > /dev/null
"$make_model" -o "$work/small.onnx" --input "$work/x1.npy" --batch 1
if "$shardc" run "$work/dp2" -- --input "x=$work/x1.npy" > "$work/fail.out" 2> "$work/fail.err"; then
  echo "run: a failing job exited 0"; exit 1
fi
grep -q "rank_1: input 'x': expected f32\[8,28,28\], got f32\[1,28,28\]" "$work/fail.err" \
  || { echo "run: the failing rank is not named:"; cat "$work/fail.err"; exit 1; }
grep -q "^shardc: error: the job failed" "$work/fail.err" || { echo "run: no job error line"; exit 1; }
# The final strategy: what each op ran with and each parameter's layout.
grep -q '"MatMul_layer1.weight"\|"layer1.matmul"' "$work/seed_json/strategy.json" 2>/dev/null || [ ! -d "$fixtures" ] \
  || { echo "strategy.json lacks layer1's strategy"; exit 1; }
echo "semi_auto: ok"
