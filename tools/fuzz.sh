#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/, clang-16 with ASan + UBSan, in build-fuzz/) and runs each for a number
# of executions or seconds, seeded from the project's own sample files; prints per target the executions, the
# corpus and the crashes (kept in build-fuzz/crashes/TARGET/; a crash fixed becomes tests/fuzz/regressions/TARGET/).
# Usage: tools/fuzz.sh [-runs=N | -max_total_time=S] [TARGET...]   (default -runs=1000000, every target)
set -euo pipefail
cd "$(dirname "$0")/.."
limit=-runs=1000000
if [ $# -gt 0 ] && [[ $1 == -* ]]; then limit=$1; shift; fi
tools/install-deps.sh --fuzz
tools/build.sh shardc shardc-make-demo-model > /dev/null
[ -f build-fuzz/build.ninja ] || cmake -S . -B build-fuzz -G Ninja -DSHARDC_FUZZ=ON \
  -DCMAKE_C_COMPILER=clang-16 -DCMAKE_CXX_COMPILER=clang++-16 > /dev/null
cmake --build build-fuzz --target shardc-fuzz-all
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(onnx_model mindir strategy_pb strategy_json ckpt safetensors npy runtime_npy
                                     weights_file text_ir rank_table hostfile)

# Seeds: what the project writes and reads.
seeds=build-fuzz/seeds
rm -rf "$seeds" && mkdir -p "$seeds"
fixtures=../shared/fixtures/mindspore
shardc=build/tools/shardc
build/tools/shardc-make-demo-model -o "$seeds/mlp.onnx" --input "$seeds/x.npy" --batch 2 --checkpoint "$seeds/mlp.ckpt"
build/tools/shardc-make-demo-model -o "$seeds/mlp2.onnx" --checkpoint "$seeds/mlp.safetensors"
"$shardc" compile "$seeds/mlp.onnx" --shape x=2x28x28 --ranks 2 -o "$seeds/out" -q --strategy-format mindspore-pb
"$shardc" inspect "$seeds/mlp.onnx" --shape x=2x28x28 > "$seeds/mlp.ir"
printf 'hostA slots=4\nhostB slots=4 max_slots=8\n# comment\n' > "$seeds/hosts"
cat > "$seeds/table.json" <<'JSON'
{"version": "1.0", "server_count": "2", "status": "completed", "server_list": [
 {"server_id": "a", "device": [{"device_id": "0", "rank_id": "0"}, {"device_id": "1", "rank_id": "1"},
                               {"device_id": "2", "rank_id": "2"}, {"device_id": "3", "rank_id": "3"}]},
 {"server_id": "b", "device": [{"device_id": "0", "rank_id": "4"}, {"device_id": "1", "rank_id": "5"},
                               {"device_id": "2", "rank_id": "6"}, {"device_id": "3", "rank_id": "7"}]}]}
JSON
seed_files() {
  case $1 in
    onnx_model) echo "$seeds/mlp.onnx" ../shared/conformance/onnx/node/test_gemm_default_no_bias/model.onnx ;;
    mindir) echo $fixtures/*.mindir ;;
    strategy_pb) echo $fixtures/synthetic_strategy_8dev.ckpt "$seeds/out/strategy.ckpt" ;;
    strategy_json) echo $fixtures/synthetic_strategy_8dev.json "$seeds/out/strategy.json" ;;
    ckpt) echo $fixtures/synthetic_tiny.ckpt "$seeds/mlp.ckpt" ;;
    safetensors) echo "$seeds/mlp.safetensors" ;;
    npy|runtime_npy) echo "$seeds/x.npy" ;;
    weights_file) echo "$seeds/out/weights/rank_0.bin" ;;
    text_ir) echo "$seeds/mlp.ir" "$seeds/out/programs/program_0.ir" ;;
    rank_table) echo "$seeds/table.json" ;;
    hostfile) echo "$seeds/hosts" ;;
  esac
}

printf '%-14s %12s %10s %8s\n' target executions corpus crashes
for t in "${targets[@]}"; do
  corpus=build-fuzz/corpus/$t crashes=build-fuzz/crashes/$t
  mkdir -p "$corpus" "$crashes"
  for f in $(seed_files "$t"); do [ -f "$f" ] && cp "$f" "$corpus/seed_$(basename "$f")"; done
  log=build-fuzz/$t.log
  status=0
  build-fuzz/tests/fuzz/shardc-fuzz-"$t" "$limit" -print_final_stats=1 -rss_limit_mb=4096 -max_len=1048576 \
    -artifact_prefix="$crashes/" "$corpus" > "$log" 2>&1 || status=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  found=$(find "$crashes" -type f | wc -l)
  printf '%-14s %12s %10s %8s%s\n' "$t" "${execs:-?}" "$(find "$corpus" -type f | wc -l)" "$found" \
    "$([ $status -ne 0 ] && echo "  (exit $status: see $log)")"
done
