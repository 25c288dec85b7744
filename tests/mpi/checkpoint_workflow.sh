#!/usr/bin/env bash
# The seed's checkpoint workflow end to end: the demo MLP's weights as one whole checkpoint, split by `shardc shard`
# as training on 8 ranks with the seed's strategy would have saved them, then inference compiled from those slices
# for 4 ranks with a split of its own, for 2 ranks from safetensors slices, and for 1 rank; every output equals the
# reference. Resharding the slices back to one device gives the original file byte for byte.
# Usage: checkpoint_workflow.sh SHARDC MAKE_MODEL FIXTURES_DIR
set -euo pipefail
shardc=$1
make_model=$2
fixtures=$3
[ -d "$fixtures" ] || { echo "no fixtures: skipped"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
train="$fixtures/synthetic_strategy_8dev.json"

# A second copy of the model has other weights (another seed), so only the checkpoint can give the right answer.
"$make_model" -o "$work/mlp.onnx" --input "$work/x.npy" --batch 8 --checkpoint "$work/full.ckpt"
"$make_model" -o "$work/blank.onnx" --seed 99
"$shardc" eval "$work/mlp.onnx" --shape x=8x28x28 --input "x=$work/x.npy" --output-dir "$work/ref" > /dev/null

"$shardc" shard --strategy "$train" --checkpoint "$work/full.ckpt" -o "$work/slices" -q
for r in 0 1 2 3 4 5 6 7; do [ -f "$work/slices/rank_$r/net.ckpt" ] || { echo "shard: no rank_$r"; exit 1; }; done

run() {
  local name=$1 ranks=$2
  shift 2
  "$shardc" compile "$work/blank.onnx" --shape x=8x28x28 --ranks "$ranks" -o "$work/$name" -q "$@"
  mpirun -np "$ranks" "$work/$name/bin/rank_0" --input "x=$work/x.npy" --output-dir "$work/$name.out"
  "$shardc" compare "$work/$name.out/logits.npy" "$work/ref/logits.npy" > "$work/$name.cmp" \
    || { echo "$name: outputs differ"; cat "$work/$name.cmp"; exit 1; }
  echo "$name: $(tail -1 "$work/$name.cmp")"
}

# 4 inference ranks, a Megatron pair instead of the training split.
cat > "$work/infer4.json" <<'JSON'
{"format": "shardc-strategy", "version": 1,
 "ops": {"MatMul_layer1.weight": {"strategy": [[1, 1], [1, 4]]},
         "MatMul_layer2.weight": {"strategy": [[1, 4], [4, 1]]}}}
JSON
run infer4 4 --strategy "$work/infer4.json" --checkpoint "$work/slices" --checkpoint-strategy "$train"
# 1 rank, from the same slices given as a pattern.
run infer1 1 --checkpoint "$work/slices/rank_{rank}/net.ckpt" --checkpoint-strategy "$train"

# safetensors slices, resharded from the .ckpt ones, for 2 ranks.
cat > "$work/infer2.json" <<'JSON'
{"format": "shardc-strategy", "version": 1,
 "ops": {"MatMul_layer1.weight": {"strategy": [[2, 1], [1, 1]]}}}
JSON
"$shardc" compile "$work/mlp.onnx" --shape x=8x28x28 --ranks 2 --strategy "$work/infer2.json" -o "$work/layout2" -q
"$shardc" reshard --from "$train" --checkpoint "$work/slices" --to "$work/layout2/strategy.json" -o "$work/st2" \
  --format safetensors -q
run infer2 2 --strategy "$work/infer2.json" --checkpoint "$work/st2" --checkpoint-strategy "$work/layout2/strategy.json"

# Back to one device: the original checkpoint, byte for byte.
"$shardc" reshard --from "$train" --checkpoint "$work/slices" --to none -o "$work/merged" -q
cmp "$work/merged/rank_0/net.ckpt" "$work/full.ckpt" || { echo "merged checkpoint differs from the original"; exit 1; }
echo "merge: identical"
