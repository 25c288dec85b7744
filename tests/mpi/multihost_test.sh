#!/usr/bin/env bash
# A real multi-host job on one machine: two hosts made as Linux network namespaces, each with a veth link to a
# bridge and its own address (in 10.213.N.0/24, N from this run's pid; nothing else is addressed), Open MPI
# started across them by a launch agent that enters the namespace instead of ssh, TCP forced between them
# (btl tcp,self: shared memory cannot carry the traffic unseen). The seed's 8-rank example split 4 + 4 over the
# two hosts, placed once by a MindSpore rank table and once by a hostfile, must equal one rank (the interpreter);
# a host killed mid-run, or one whose address is down, must fail the job with a message, not hang.
# Namespaces, links and files are unique per run and removed on exit, also on failure. Skips (exit 77) only where
# `ip netns add` itself is refused. Usage: multihost_test.sh BUILD_DIR SOURCE_DIR
set -uo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
shardc="$build/tools/shardc"
tag="s$$$RANDOM"
tag=${tag:0:12}
net="10.213.$(( $$ % 200 + 20 ))"
work=$(mktemp -d)
namespaces=()
cleanup() {
  for ns in "${namespaces[@]}"; do ip netns del "$ns" 2>/dev/null; done
  ip link del "br$tag" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "multihost_test: $*" >&2; exit 1; }

if ! ip netns add "${tag}h0" 2>"$work/netns.err"; then
  echo "multihost_test: SKIPPED: 'ip netns add' is refused here: $(cat "$work/netns.err")"
  exit 77
fi
namespaces+=("${tag}h0")
ip netns add "${tag}h1" || fail "cannot add a second namespace"
namespaces+=("${tag}h1")
ip link add "br$tag" type bridge || fail "cannot add a bridge"
ip addr add "$net.1/24" dev "br$tag" && ip link set "br$tag" up || fail "cannot address the bridge"
for i in 0 1; do
  ip link add "v$tag$i" type veth peer name eth0 netns "${tag}h$i" || fail "cannot add a veth pair"
  ip link set "v$tag$i" master "br$tag" up
  ip -n "${tag}h$i" addr add "$net.1$i/24" dev eth0
  ip -n "${tag}h$i" link set eth0 up
  ip -n "${tag}h$i" link set lo up
done

# The launch agent: Open MPI calls it as ssh, "agent HOST COMMAND...".
cat > "$work/agent.sh" <<AGENT
#!/bin/sh
host="\$1"; shift
case "\$host" in
  $net.10) ns=${tag}h0 ;;
  $net.11) ns=${tag}h1 ;;
  *) echo "agent: unknown host \$host" >&2; exit 1 ;;
esac
exec ip netns exec "\$ns" /bin/sh -c "\$*"
AGENT
chmod +x "$work/agent.sh"
export OMPI_MCA_plm_rsh_agent="$work/agent.sh" OMPI_MCA_plm_rsh_no_tree_spawn=1 OMPI_MCA_btl=tcp,self
export OMPI_MCA_oob_tcp_if_include="$net.0/24" OMPI_MCA_btl_tcp_if_include="$net.0/24"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

# The seed's 8-rank example (MindSpore's strategy file), batch 8, and the interpreter's answer.
"$build/tools/shardc-make-demo-model" -o "$work/mlp.onnx" --input "$work/x8.npy" --batch 8 > /dev/null || fail "no demo model"
"$shardc" compile "$work/mlp.onnx" --shape x=8x28x28 --ranks 8 \
  --strategy "$src/../shared/fixtures/mindspore/synthetic_strategy_8dev.json" -o "$work/seed8" -q || fail "compile failed"
"$shardc" eval "$work/mlp.onnx" --shape x=8x28x28 --input "x=$work/x8.npy" --output-dir "$work/ref" > /dev/null ||
  fail "the interpreter failed"

cat > "$work/table.json" <<TABLE
{"version": "1.0", "server_count": "2", "status": "completed", "server_list": [
 {"server_id": "$net.10", "host_nic_ip": "reserve", "device": [
  {"device_id": "0", "rank_id": "0"}, {"device_id": "1", "rank_id": "1"},
  {"device_id": "2", "rank_id": "2"}, {"device_id": "3", "rank_id": "3"}]},
 {"server_id": "$net.11", "host_nic_ip": "reserve", "device": [
  {"device_id": "0", "rank_id": "4"}, {"device_id": "1", "rank_id": "5"},
  {"device_id": "2", "rank_id": "6"}, {"device_id": "3", "rank_id": "7"}]}]}
TABLE
printf '%s slots=4\n%s slots=4\n' "$net.10" "$net.11" > "$work/hosts"

for placement in "--rank-table $work/table.json" "--hostfile $work/hosts"; do
  name=${placement%% *}
  out="$work/out${name//-/_}"
  # shellcheck disable=SC2086
  timeout 120 "$shardc" run "$work/seed8" $placement -- --input "x=$work/x8.npy" --output-dir "$out" \
    > "$work/run.log" 2>&1 || fail "the 2-host job ($name) failed: $(cat "$work/run.log")"
  grep -q "$net.10: ranks 0,1,2,3" "$work/run.log" && grep -q "$net.11: ranks 4,5,6,7" "$work/run.log" ||
    fail "$name did not place ranks 0-3 and 4-7 on the two hosts: $(cat "$work/run.log")"
  grep -q "crosses hosts: AllGather %logits, 160 bytes per run" "$work/run.log" ||
    fail "$name did not report the collective crossing hosts: $(cat "$work/run.log")"
  "$shardc" compare "$out/logits.npy" "$work/ref/logits.npy" --rtol 1e-4 --atol 1e-5 > "$work/compare.log" ||
    fail "the 2-host job ($name) differs from one rank: $(cat "$work/compare.log")"
done
cmp -s "$work/out__rank_table/logits.npy" "$work/out__hostfile/logits.npy" ||
  fail "the rank table and the hostfile placements gave different outputs"

# A host that dies mid-run (every process in its namespace killed): the job fails with a message, promptly.
start=$(date +%s)
timeout 90 "$shardc" run "$work/seed8" --rank-table "$work/table.json" --timeout 60 -- --input "x=$work/x8.npy" \
  --repeat 1000000 > "$work/dies.log" 2>&1 &
job=$!
sleep 3
ip netns pids "${tag}h1" | xargs -r kill -9
wait $job
code=$?
died=$(( $(date +%s) - start ))
[ "$code" = 124 ] && fail "the job whose host died hung for 90 s"
[ "$code" = 0 ] && fail "the job whose host died succeeded"
grep -q "shardc: error: " "$work/dies.log" || fail "the job whose host died gave no error line: $(tail -3 "$work/dies.log")"

# A host whose address is down: the job fails with a message, within the timeout.
ip -n "${tag}h1" link set eth0 down
start=$(date +%s)
timeout 90 "$shardc" run "$work/seed8" --rank-table "$work/table.json" --timeout 15 -- --input "x=$work/x8.npy" \
  --output-dir "$work/down" > "$work/down.log" 2>&1
code=$?
elapsed=$(( $(date +%s) - start ))
[ "$code" = 124 ] && fail "the job with an unreachable host hung for 90 s"
[ "$code" = 0 ] && fail "the job with an unreachable host succeeded"
grep -q "shardc: error: " "$work/down.log" || fail "the failed job gave no error line: $(tail -3 "$work/down.log")"
[ -e "$work/down/logits.npy" ] && fail "the failed job left an output"
echo "multihost_test: 8 ranks over 2 namespaced hosts (4 + 4, TCP) equal one rank, by rank table and by hostfile;" \
  "a host killed 3 s into a run failed the job after ${died} s; an unreachable host failed it in ${elapsed} s (exit $code)"
