#!/usr/bin/env bash
# The demo's steps with the real binaries: write the MLP and an input, evaluate, check the output file and the
# exit codes of --help, bad usage and bad input.
set -euo pipefail
shardc=$1
make_model=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$make_model" -o "$work/mlp.onnx" --input "$work/x.npy" --batch 3
"$shardc" eval "$work/mlp.onnx" --shape x=3x28x28 --input "x=$work/x.npy" --output-dir "$work/out" > "$work/log"
grep -q "logits: f32\[3,10\]" "$work/log" || { echo "unexpected eval output:"; cat "$work/log"; exit 1; }
# A v1 .npy header of f32 [3,10] is 128 bytes (data 64-byte aligned), then 30 floats.
size=$(stat -c %s "$work/out/logits.npy")
[ "$size" -eq $((128 + 30 * 4)) ] || { echo "logits.npy has $size bytes"; exit 1; }

"$shardc" --help > /dev/null
"$shardc" eval --help | grep -q -- "--output-dir"
set +e
"$shardc" eval > /dev/null 2>&1; usage=$?
head -c 50 "$work/mlp.onnx" > "$work/cut.onnx"
"$shardc" inspect "$work/cut.onnx" > /dev/null 2> "$work/err"; bad=$?
set -e
[ "$usage" -eq 2 ] || { echo "bad usage exited $usage, expected 2"; exit 1; }
[ "$bad" -eq 1 ] || { echo "bad input exited $bad, expected 1"; exit 1; }
[ "$(wc -l < "$work/err")" -eq 1 ] || { echo "expected one error line:"; cat "$work/err"; exit 1; }
grep -q "cut.onnx" "$work/err" || { echo "error does not name the file:"; cat "$work/err"; exit 1; }
# The compiled executable: same outputs as the interpreter, one clear line for a wrong input.
"$shardc" compile "$work/mlp.onnx" --shape x=3x28x28 -o "$work/compiled" -q
"$work/compiled/bin/rank_0" --input "x=$work/x.npy" --output-dir "$work/run"
"$shardc" compare "$work/run/logits.npy" "$work/out/logits.npy" > /dev/null
"$make_model" -o "$work/other.onnx" --input "$work/x1.npy" --batch 1
set +e
"$work/compiled/bin/rank_0" --input "x=$work/x1.npy" --output-dir "$work/run1" 2> "$work/err1"; wrong=$?
set -e
[ "$wrong" -eq 1 ] || { echo "wrong input shape exited $wrong, expected 1"; exit 1; }
grep -qx "rank_0: input 'x': expected f32\[3,28,28\], got f32\[1,28,28\]" "$work/err1" \
  || { echo "unexpected error:"; cat "$work/err1"; exit 1; }
[ ! -e "$work/run1" ] || { echo "a failed run left an output directory"; exit 1; }
echo "demo_mlp: ok"
