#!/usr/bin/env bash
# The demo: installs what is missing, builds shardc, writes the seed documents' MLP as ONNX (fixed-seed weights),
# compiles it to a native executable, runs it, and prints its 10 outputs beside the reference interpreter's; then
# the seed documents' 8-rank example under mpirun (semi-auto parallel from MindSpore's strategy file) against one rank.
set -euo pipefail
export OMPI_MCA_rmaps_base_oversubscribe=1
cd "$(dirname "$0")/.."
tools/install-deps.sh
tools/build.sh shardc shardc-make-demo-model
demo=build/demo
rm -rf "$demo" && mkdir -p "$demo"
shardc=build/tools/shardc
build/tools/shardc-make-demo-model -o "$demo/mlp.onnx" --input "$demo/x.npy" --batch 1

echo "== the model, as shardc's IR"
"$shardc" inspect "$demo/mlp.onnx" --shape x=1x28x28
echo
echo "== shardc compile"
"$shardc" compile "$demo/mlp.onnx" --shape x=1x28x28 -o "$demo/out"
echo
echo "== the executable (bin/rank_0), 100 runs after 10 warm-up runs"
"$demo/out/bin/rank_0" --input "x=$demo/x.npy" --output-dir "$demo/run" --warmup 10 --repeat 100
echo
echo "== the reference interpreter (shardc eval)"
"$shardc" eval "$demo/mlp.onnx" --shape x=1x28x28 --input "x=$demo/x.npy" --output-dir "$demo/eval"
echo
echo "== the 10 outputs: executable against interpreter"
"$shardc" compare "$demo/run/logits.npy" "$demo/eval/logits.npy"

echo
echo "== the seed documents' 8-rank example: layer1 ((2,1),(1,2)), layer3 ((2,2),(2,1)), batch 8"
build/tools/shardc-make-demo-model -o "$demo/unused.onnx" --input "$demo/x8.npy" --batch 8
"$shardc" compile "$demo/mlp.onnx" --shape x=8x28x28 --ranks 8 \
  --strategy ../shared/fixtures/mindspore/synthetic_strategy_8dev.json -o "$demo/seed8" --dump-after partition
"$shardc" run "$demo/seed8" -- --input "x=$demo/x8.npy" --output-dir "$demo/seed8.run"
"$shardc" eval "$demo/mlp.onnx" --shape x=8x28x28 --input "x=$demo/x8.npy" --output-dir "$demo/seed8.eval" > /dev/null
echo "== 8 ranks against one (the interpreter), all 80 outputs"
"$shardc" compare "$demo/seed8.run/logits.npy" "$demo/seed8.eval/logits.npy" --show 10

echo
echo "== training's checkpoint slices: the weights split as 8 training ranks with the seed strategy saved them"
build/tools/shardc-make-demo-model -o "$demo/unused.onnx" --checkpoint "$demo/full.ckpt"
"$shardc" shard --strategy ../shared/fixtures/mindspore/synthetic_strategy_8dev.json --checkpoint "$demo/full.ckpt" \
  -o "$demo/train8" -q
"$shardc" inspect "$demo/train8/rank_2/net.ckpt"
echo "== inference on 4 ranks with a split of its own (Megatron pair), weights resharded from the 8 slices"
cat > "$demo/infer4.json" <<'JSON'
{"format": "shardc-strategy", "version": 1,
 "ops": {"MatMul_layer1.weight": {"strategy": [[1, 1], [1, 4]]},
         "MatMul_layer2.weight": {"strategy": [[1, 4], [4, 1]]}}}
JSON
"$shardc" compile "$demo/mlp.onnx" --shape x=8x28x28 --ranks 4 --strategy "$demo/infer4.json" -o "$demo/infer4" \
  --checkpoint "$demo/train8" --checkpoint-strategy ../shared/fixtures/mindspore/synthetic_strategy_8dev.json
"$shardc" run "$demo/infer4" -- --input "x=$demo/x8.npy" --output-dir "$demo/infer4.run"
echo "== 4 ranks from the training slices against one (the interpreter)"
"$shardc" compare "$demo/infer4.run/logits.npy" "$demo/seed8.eval/logits.npy" | tail -1
