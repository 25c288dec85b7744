#!/usr/bin/env bash
# The demo: installs what is missing, builds shardc, writes the seed documents' MLP as ONNX (fixed-seed weights),
# and runs it on a random input through the reference interpreter, printing its 10 outputs.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
tools/build.sh shardc shardc-make-demo-model
demo=build/demo
rm -rf "$demo" && mkdir -p "$demo"
build/tools/shardc-make-demo-model -o "$demo/mlp.onnx" --input "$demo/x.npy" --batch 1
echo "== the model, as shardc's IR"
build/tools/shardc inspect "$demo/mlp.onnx" --shape x=1x28x28
echo "== shardc eval (reference interpreter)"
build/tools/shardc eval "$demo/mlp.onnx" --shape x=1x28x28 --input x="$demo/x.npy" --output-dir "$demo/out"
build/tools/shardc inspect "$demo/out/logits.npy"
