#include "passes/repeated_blocks.h"

#include <algorithm>
#include <map>
#include <string>

#include <fmt/format.h>

#include "ir/attribute.h"
#include "ir/op_kind.h"

namespace shardc::passes {
namespace {

// What segment [first, end) computes, independent of value and op names: per op its kind, attributes, result
// types and where each operand comes from (an earlier op of the segment, the value entering it, a parameter of
// some type, or a graph input by identity).
std::string signature(const ir::Graph& g, const std::vector<ir::OpId>& producers, size_t first, size_t end) {
  std::string s;
  for (size_t i = first; i < end; ++i) {
    const ir::Op& op = g.ops()[i];
    s += ir::opKindName(op.kind);
    for (const auto& [name, a] : op.attrs.all()) s += fmt::format(" {}={}", name, ir::formatAttribute(a));
    s += " (";
    for (ir::ValueId v : op.operands) {
      const ir::Value& val = g.value(v);
      ir::OpId p = producers[size_t(v)];
      if (val.role == ir::ValueRole::Param) {
        s += "param " + val.type.str();
      } else if (p == ir::kNoOp) {
        s += fmt::format("input {}", v);
      } else if (size_t(p) < first) {
        s += "entering " + val.type.str();
      } else {
        const auto& results = g.ops()[size_t(p)].results;
        s += fmt::format("op {}#{}", size_t(p) - first, std::find(results.begin(), results.end(), v) - results.begin());
      }
      s += ", ";
    }
    s += ") ->";
    for (ir::ValueId r : op.results) s += " " + g.value(r).type.str();
    s += ";\n";
  }
  return s;
}

}  // namespace

long RepeatedBlocks::copiedOp(size_t op) const {
  const Segment& s = segments[segmentOf[op]];
  if (s.copyOf < 0) return -1;
  return long(segments[size_t(s.copyOf)].firstOp + (op - s.firstOp));
}

RepeatedBlocks findRepeatedBlocks(const ir::Graph& g) {
  const auto& ops = g.ops();
  std::vector<ir::OpId> producers = g.producers();
  // The last op that reads each value (graph outputs are read after every op).
  std::vector<size_t> lastUse(g.numValues(), 0);
  for (size_t i = 0; i < ops.size(); ++i)
    for (ir::ValueId v : ops[i].operands) lastUse[size_t(v)] = std::max(lastUse[size_t(v)], i);
  for (ir::ValueId v : g.outputs()) lastUse[size_t(v)] = ops.size();
  // After op i, the values made so far and read later; a cut where only one is.
  std::vector<size_t> cuts;
  int64_t live = 0;
  std::vector<int64_t> dying(ops.size() + 1, 0);
  for (size_t i = 0; i < ops.size(); ++i) {
    for (ir::ValueId r : ops[i].results)
      if (lastUse[size_t(r)] > i) {
        ++live;
        ++dying[lastUse[size_t(r)]];
      }
    live -= dying[i];
    if (live == 1 && i + 1 < ops.size()) cuts.push_back(i + 1);
  }
  cuts.push_back(ops.size());
  RepeatedBlocks b;
  b.segmentOf.assign(ops.size(), 0);
  std::map<std::pair<std::string, std::string>, size_t> classOf;  // (signature, previous signature) -> class
  std::vector<size_t> firstOfClass;
  std::string previous;
  size_t start = 0;
  for (size_t end : cuts) {
    if (end == start) continue;
    std::string sig = signature(g, producers, start, end);
    RepeatedBlocks::Segment seg{start, end, 0, -1};
    auto [it, added] = classOf.try_emplace({sig, previous}, firstOfClass.size());
    seg.blockClass = it->second;
    if (added) firstOfClass.push_back(b.segments.size());
    else seg.copyOf = long(firstOfClass[it->second]);
    for (size_t i = start; i < end; ++i) b.segmentOf[i] = b.segments.size();
    b.segments.push_back(seg);
    previous = std::move(sig);
    start = end;
  }
  b.classes = firstOfClass.size();
  return b;
}

}  // namespace shardc::passes
