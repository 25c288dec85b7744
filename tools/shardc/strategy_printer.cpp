#include "tools/shardc/strategy_printer.h"

#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace shardc::tools {
namespace {

std::string splitsText(const std::vector<std::vector<int64_t>>& splits) {
  std::vector<std::string> parts;
  for (const auto& s : splits) parts.push_back(fmt::format("({})", fmt::join(s, ",")));
  return fmt::format("({})", fmt::join(parts, ","));
}

// The box rank holds, or, when the file does not give the tensor's shape, which part of each dim.
std::string holding(const ir::TensorLayout& l, int64_t rank) {
  if (l.shape.isStatic()) return l.box(rank).str();
  std::vector<std::string> parts;
  for (size_t d = 0; d < l.shape.rank(); ++d) {
    int64_t f = l.splitFactor(d);
    parts.push_back(f == 1 ? "all" : fmt::format("part {}/{}", l.partIndex(rank, d), f));
  }
  return fmt::format("[{}]", fmt::join(parts, ", "));
}

}  // namespace

std::string describeStrategy(const ir::StrategyMap& s) {
  std::string out;
  out += fmt::format("strategy: {} op(s), {} parameter(s)", s.ops.size(), s.params.size());
  if (s.mesh.rank()) out += fmt::format(", mesh {}", s.mesh.str());
  out += "\n";
  for (const auto& [name, op] : s.ops)
    out += fmt::format("op {}: {}{}\n", name, splitsText(op.inputSplits), op.stage ? fmt::format(" stage {}", op.stage) : "");
  for (const auto& [name, p] : s.params) {
    out += fmt::format("param {}: {}", name, p.layout.str());
    if (p.optShardSize) out += fmt::format(" opt-shard size {} step {}", p.optShardSize, p.optShardStep);
    if (p.field) out += fmt::format(" field {}", p.field);
    out += "\n";
    // Group the ranks by what they hold, in rank order of the first holder.
    std::map<std::string, std::vector<int64_t>> byBox;
    std::vector<std::string> order;
    for (int64_t r = 0; r < p.layout.mesh.numRanks(); ++r) {
      std::string h = holding(p.layout, r);
      if (!byBox.count(h)) order.push_back(h);
      byBox[h].push_back(r);
    }
    for (const auto& h : order) out += fmt::format("  ranks {}: {}\n", fmt::join(byBox[h], ","), h);
  }
  return out;
}

}  // namespace shardc::tools
