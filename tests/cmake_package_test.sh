#!/usr/bin/env bash
# Installs shardc into a temporary prefix, builds the example project (tests/cmake_package, copied out of the
# source tree) against the installed package, runs it under mpirun on 2 ranks (each rank given the whole input,
# the runtime taking its half) and compares its output with the reference interpreter; then checks that a second build does nothing and that touching the model re-runs the
# compile step. Usage: cmake_package_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "cmake_package_test: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$work/prefix" > "$work/install.log" || fail "cmake --install failed: $(tail -3 "$work/install.log")"
for f in bin/shardc include/shardrt/shardrt.h include/shardrt/shardrt.hpp; do
  [ -e "$work/prefix/$f" ] || fail "the install has no $f"
done
cp -r "$src/tests/cmake_package" "$work/project"
"$build/tools/shardc-make-demo-model" -o "$work/mlp.onnx" > /dev/null

cmake -S "$work/project" -B "$work/build" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" -DMODEL="$work/mlp.onnx" \
  > "$work/configure.log" 2>&1 || fail "configuring the example failed: $(tail -5 "$work/configure.log")"
grep -q "$src" "$work/build/CMakeCache.txt" && fail "the example's build refers to the source tree"
cmake --build "$work/build" > "$work/build1.log" 2>&1 || fail "building the example failed: $(tail -5 "$work/build1.log")"
grep -q "shardc: compiling" "$work/build1.log" || fail "the first build did not compile the model"

run_as_root=()
[ "$(id -u)" = 0 ] && run_as_root=(--allow-run-as-root)
mkdir -p "$work/out"
mpirun "${run_as_root[@]}" --oversubscribe -np 2 "$work/build/mlp_main" "$work/out" > "$work/run.log" 2>&1 < /dev/null ||
  fail "mpirun -np 2 mlp_main failed: $(tail -3 "$work/run.log")"
grep -q "rank 0 of 2: x \[2 of 4\]" "$work/run.log" ||
  fail "the example did not run on 2 ranks, each with half the batch: $(cat "$work/run.log")"
"$work/prefix/bin/shardc" eval "$work/mlp.onnx" --shape x=4x28x28 --input "x=$work/out/input.npy" --output-dir "$work/ref" \
  > "$work/eval.log" 2>&1 || fail "the reference run failed: $(cat "$work/eval.log")"
out=$(ls "$work/ref")
"$work/prefix/bin/shardc" compare "$work/out/$out" "$work/ref/$out" --rtol 1e-4 --atol 1e-5 > "$work/compare.log" ||
  fail "the example's output differs from the reference: $(cat "$work/compare.log")"

# The installed compiler also makes executables, linked with the installed runtime.
"$work/prefix/bin/shardc" compile "$work/mlp.onnx" --shape x=4x28x28 -o "$work/exe" -q > "$work/exe.log" 2>&1 ||
  fail "the installed shardc could not compile an executable: $(tail -3 "$work/exe.log")"
"$work/exe/bin/rank_0" --input "x=$work/out/input.npy" --output-dir "$work/exe_out" > /dev/null 2>&1 ||
  fail "the installed shardc's executable failed"
"$work/prefix/bin/shardc" compare "$work/exe_out/$out" "$work/ref/$out" --rtol 1e-4 --atol 1e-5 > "$work/compare2.log" ||
  fail "the installed shardc's executable differs from the reference: $(cat "$work/compare2.log")"

cmake --build "$work/build" > "$work/build2.log" 2>&1
grep -q "no work to do" "$work/build2.log" || fail "a second build without changes did work: $(cat "$work/build2.log")"
sleep 1
touch "$work/mlp.onnx"
cmake --build "$work/build" > "$work/build3.log" 2>&1
grep -q "shardc: compiling" "$work/build3.log" || fail "touching the model did not re-run the compile step"
echo "cmake_package_test: installed, built, ran on 2 ranks, matched the reference (and so did the installed compiler's" \
  "executable), rebuilt only when the model changed"
