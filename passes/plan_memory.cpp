#include "passes/plan_memory.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

namespace shardc::passes {
namespace {

int64_t alignUp(int64_t x) { return (x + ir::kArenaAlignment - 1) / ir::kArenaAlignment * ir::kArenaAlignment; }

// A value's buffer, or (value < 0) the scratch of op -value-1.
struct Interval {
  ir::ValueId value;
  int64_t start, end, bytes;
};

int64_t byteSize(const ir::TensorType& t) { return t.shape.numElements() * static_cast<int64_t>(ir::dtypeSize(t.dtype)); }

// The op index at which each op actually runs: a fused member runs inside its group's root.
std::vector<size_t> emissionIndex(const ir::Graph& g) {
  const auto& ops = g.ops();
  std::vector<size_t> at(ops.size());
  std::map<int64_t, size_t> rootOf;
  for (size_t i = 0; i < ops.size(); ++i)
    if (ops[i].attrs.has("fusion_group")) rootOf[ops[i].attrs.getInt("fusion_group", -1)] = i;
  for (size_t i = 0; i < ops.size(); ++i)
    at[i] = ops[i].attrs.has("fusion_group") ? rootOf[ops[i].attrs.getInt("fusion_group", -1)] : i;
  return at;
}

}  // namespace

ir::BufferPlan planMemory(const ir::Graph& g) {
  ir::BufferPlan plan;
  size_t nv = g.numValues();
  plan.offset.assign(nv, ir::kNotInArena);
  plan.aliasOf.assign(nv, -1);
  std::vector<bool> isOutput(nv, false);
  for (ir::ValueId v : g.outputs()) isOutput[static_cast<size_t>(v)] = true;
  const auto& ops = g.ops();
  std::vector<size_t> at = emissionIndex(g);

  // Values produced inside a fused group (not its root) never exist in memory.
  std::vector<bool> internal(nv, false);
  for (size_t i = 0; i < ops.size(); ++i)
    if (ops[i].attrs.has("fusion_group") && at[i] != i) internal[static_cast<size_t>(ops[i].results[0])] = true;

  auto root = [&](ir::ValueId v) {
    while (plan.aliasOf[static_cast<size_t>(v)] >= 0) v = plan.aliasOf[static_cast<size_t>(v)];
    return v;
  };
  for (const auto& op : ops)
    if (op.kind == ir::OpKind::Reshape && !isOutput[static_cast<size_t>(op.results[0])])
      plan.aliasOf[static_cast<size_t>(op.results[0])] = op.operands[0];

  std::map<ir::ValueId, Interval> live;
  for (size_t i = 0; i < ops.size(); ++i) {
    for (ir::ValueId r : ops[i].results) {
      ir::ValueId rr = root(r);
      if (internal[static_cast<size_t>(r)] || isOutput[static_cast<size_t>(rr)] ||
          g.value(rr).role != ir::ValueRole::Result)
        continue;
      if (!live.count(rr)) {
        const auto& t = g.value(rr).type;
        live[rr] = {rr, static_cast<int64_t>(at[i]), static_cast<int64_t>(at[i]),
                    alignUp(t.shape.numElements() * static_cast<int64_t>(ir::dtypeSize(t.dtype)))};
      }
    }
    for (ir::ValueId v : ops[i].operands) {
      auto it = live.find(root(v));
      if (it != live.end()) it->second.end = std::max<int64_t>(it->second.end, static_cast<int64_t>(at[i]));
    }
  }

  // Collectives that pack or unpack blocks need scratch while they run.
  plan.scratchOffset.assign(ops.size(), ir::kNotInArena);
  plan.scratchBytes.assign(ops.size(), 0);
  for (size_t i = 0; i < ops.size(); ++i) {
    const ir::Op& op = ops[i];
    int64_t in = op.operands.empty() ? 0 : byteSize(g.value(op.operands[0]).type);
    int64_t out = op.results.empty() ? 0 : byteSize(g.value(op.results[0]).type);
    bool dim0 = op.attrs.getInt("dim", 0) == 0;
    if (op.kind == ir::OpKind::AllGather && !dim0) plan.scratchBytes[i] = out;
    if (op.kind == ir::OpKind::ReduceScatter && !dim0) plan.scratchBytes[i] = in;
    if (op.kind == ir::OpKind::AllToAll) plan.scratchBytes[i] = 2 * alignUp(in);
  }

  // Greedy first fit by start time, largest first among equal starts.
  std::vector<Interval> order;
  for (auto& [v, iv] : live) order.push_back(iv);
  for (size_t i = 0; i < ops.size(); ++i)
    if (plan.scratchBytes[i] > 0)
      order.push_back({-static_cast<ir::ValueId>(i) - 1, static_cast<int64_t>(at[i]), static_cast<int64_t>(at[i]),
                       alignUp(plan.scratchBytes[i])});
  std::sort(order.begin(), order.end(), [](const Interval& a, const Interval& b) {
    return a.start != b.start ? a.start < b.start : a.bytes > b.bytes;
  });
  std::vector<std::pair<Interval, int64_t>> placed;  // with their offsets
  for (const Interval& iv : order) {
    std::vector<std::pair<int64_t, int64_t>> busy;  // [offset, offset+bytes) of overlapping lifetimes
    for (const auto& [p, off] : placed)
      if (!(p.end < iv.start || iv.end < p.start)) busy.emplace_back(off, off + p.bytes);
    std::sort(busy.begin(), busy.end());
    int64_t offset = 0;
    for (const auto& [lo, hi] : busy) {
      if (offset + iv.bytes <= lo) break;
      offset = std::max(offset, hi);
    }
    if (iv.value >= 0)
      plan.offset[static_cast<size_t>(iv.value)] = offset;
    else
      plan.scratchOffset[static_cast<size_t>(-iv.value - 1)] = offset;
    plan.arenaBytes = std::max(plan.arenaBytes, offset + iv.bytes);
    placed.emplace_back(iv, offset);
  }
  return plan;
}

std::string printBufferPlan(const ir::Graph& g, const ir::BufferPlan& plan) {
  std::string out;
  for (size_t v = 0; v < plan.offset.size(); ++v) {
    if (plan.offset[v] == ir::kNotInArena) continue;
    const auto& t = g.value(static_cast<ir::ValueId>(v)).type;
    out += fmt::format("%{}: offset {}, {} bytes\n", g.value(static_cast<ir::ValueId>(v)).name, plan.offset[v],
                       t.shape.numElements() * static_cast<int64_t>(ir::dtypeSize(t.dtype)));
  }
  out += fmt::format("arena: {} bytes\n", plan.arenaBytes);
  return out;
}

}  // namespace shardc::passes
