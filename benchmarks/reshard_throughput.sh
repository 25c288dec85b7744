#!/usr/bin/env bash
# Resharding a 2 GiB float32 model (64 parameters of 32 MiB, [2048,4096]) saved by 8 training ranks (rows over 2,
# columns over 4) to 4 inference ranks (columns over 4) and to 1 (whole): throughput against `cp` of the same slice
# files, and peak resident memory as /usr/bin/time -v reports it (it must stay below one parameter slice + 256 MiB).
# The files are read from the page cache (each run follows a read of the same files), so the figures compare the
# work of copying, not the disk. Usage: benchmarks/reshard_throughput.sh [BUILD_DIR] [PARAMS]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
params=${2:-64}
shardc=$build/tools/shardc
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

layout() {  # layout MESH DIMS: every parameter laid the same way
  local mesh=$1 dims=$2 items=""
  for ((p = 0; p < params; ++p)); do items+="${items:+,}\"w$p\": {\"shape\": [2048, 4096], \"mesh\": $mesh, \"dims\": $dims}"; done
  echo "{\"format\": \"shardc-strategy\", \"version\": 1, \"mesh\": $mesh, \"params\": {$items}}"
}
layout "[2, 4]" "[[0], [1]]" > "$work/train8.json"
layout "[4]" "[[], [0]]" > "$work/infer4.json"

"$build/benchmarks/shardc-bench-make-checkpoint" -o "$work/full.ckpt" --params "$params"
"$shardc" shard --strategy "$work/train8.json" --checkpoint "$work/full.ckpt" -o "$work/train" -q
rm "$work/full.ckpt"
bytes=$(du -cb "$work"/train/rank_*/net.ckpt | tail -1 | cut -f1)

measure() {  # measure NAME COMMAND...: wall seconds and peak RSS (KiB) of the command
  local name=$1
  shift
  cat "$work"/train/rank_*/net.ckpt > /dev/null  # warm the page cache
  /usr/bin/time -v "$@" 2> "$work/$name.time" > /dev/null
  local wall rss
  wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$work/$name.time" | awk -F: '{ if (NF == 3) print $1 * 3600 + $2 * 60 + $3; else print $1 * 60 + $2 }')
  rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/$name.time")
  echo "$wall $rss"
  rm -rf "$work/out"
}

printf '%-28s  %-10s  %-10s  %-14s  %-10s\n' "run" "seconds" "GB/s" "peak RSS (MiB)" "vs cp"
read -r cpWall cpRss < <(measure cp cp -r "$work/train" "$work/out")
row() {
  local name=$1 wall=$2 rss=$3
  printf '%-28s  %-10s  %-10s  %-14s  %-10s\n' "$name" "$wall" "$(awk -v b="$bytes" -v s="$wall" 'BEGIN { printf "%.2f", b / s / 1e9 }')" \
    "$(awk -v k="$rss" 'BEGIN { printf "%.0f", k / 1024 }')" "$(awk -v a="$wall" -v c="$cpWall" 'BEGIN { printf "%.2fx", c / a }')"
}
row "cp -r (same bytes)" "$cpWall" "$cpRss"
# The floor of writing fresh files here: the kernel allocates every page-cache page written.
read -r w r < <(measure dd dd if=/dev/zero of="$work/out" bs=4M count=$((bytes / 4194304)) status=none)
row "dd of zeros (write floor)" "$w" "$r"
read -r w r < <(measure to4 "$shardc" reshard --from "$work/train8.json" --checkpoint "$work/train" --to "$work/infer4.json" -o "$work/out" -q)
row "reshard 8 -> 4 ranks" "$w" "$r"
read -r w r < <(measure to1 "$shardc" reshard --from "$work/train8.json" --checkpoint "$work/train" --to none -o "$work/out" -q)
row "reshard 8 -> 1 (whole)" "$w" "$r"
echo "model: $params parameters of 32 MiB, $bytes bytes of slices; one inference slice (8 -> 4) is 8 MiB, a whole parameter 32 MiB"
