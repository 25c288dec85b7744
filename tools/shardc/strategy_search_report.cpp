#include "tools/shardc/strategy_search_report.h"

#include <ostream>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "ir/error.h"
#include "passes/assign_strategies.h"

namespace shardc::tools {
namespace {

std::string splitsText(const ir::OpStrategy& s) {
  std::vector<std::string> parts;
  for (const auto& in : s.inputSplits) parts.push_back(fmt::format("({})", fmt::join(in, ",")));
  return fmt::format("({})", fmt::join(parts, ","));
}

}  // namespace

passes::SearchAlgorithm parseSearchAlgorithm(const std::string& name) {
  if (name == "propagate") return passes::SearchAlgorithm::Propagate;
  if (name == "exact") return passes::SearchAlgorithm::Exact;
  if (name == "dp") return passes::SearchAlgorithm::Elimination;
  if (name == "auto") return passes::SearchAlgorithm::Auto;
  ir::fail("--search {}: expected propagate, dp, exact or auto", name);
}

passes::SearchResult searchWithFixed(const ir::Graph& g, const ir::StrategyMap& fixed, const passes::SearchOptions& o) {
  ir::Graph copy = g;
  passes::assignStrategies(copy, fixed);
  passes::SearchResult r = passes::searchStrategies(copy, o);
  ir::StrategyMap all = fixed;
  for (const auto& [key, s] : r.strategies.ops) all.ops[key] = s;
  r.strategies = all;
  return r;
}

void printSearchSummary(const passes::SearchResult& r, std::ostream& out) {
  out << fmt::format("search: {} deciding ops, {} edges, {:.3g} candidate assignments; estimated {:.3f} ms per run\n",
                     r.nodes, r.edges, r.searchSpace, r.totalCost * 1e3);
  out << fmt::format("  memory per rank: {} bytes ({} of parameters, {} of activations at the peak)\n",
                     r.paramBytesPerRank + r.activationBytesPerRank, r.paramBytesPerRank, r.activationBytesPerRank);
  if (r.repeatedOps > 0)
    out << fmt::format("  {} blocks of {} kinds; {} ops priced once for all their repeats\n", r.blocks, r.blockClasses,
                       r.repeatedOps);
  for (const auto& c : r.choices) {
    std::string alt = c.nextBestTotal == passes::kInfeasible
                          ? std::string("none")
                          : fmt::format("{} (+{:.3f} ms)", splitsText(c.nextBest), (c.nextBestTotal - r.totalCost) * 1e3);
    out << fmt::format("  {:<40} {}{}  compute {:.3f} ms, communication {:.3f} ms; next best {}\n", c.key,
                       splitsText(c.chosen), c.fixed ? " (fixed)" : "", c.computeCost * 1e3,
                       c.communicationCost * 1e3, alt);
  }
}

std::string searchReportJson(const passes::SearchResult& r, int64_t ranks) {
  nlohmann::json j;
  j["ranks"] = ranks;
  j["estimated_seconds"] = r.totalCost;
  j["deciding_ops"] = r.nodes;
  j["search_space"] = r.searchSpace;
  j["memory_per_rank"] = {{"parameters", r.paramBytesPerRank},
                          {"activations", r.activationBytesPerRank},
                          {"total", r.paramBytesPerRank + r.activationBytesPerRank}};
  j["blocks"] = {{"segments", r.blocks}, {"kinds", r.blockClasses}, {"repeated_ops", r.repeatedOps}};
  for (const auto& c : r.choices) {
    nlohmann::json o;
    o["op"] = c.op;
    o["key"] = c.key;
    o["strategy"] = c.chosen.inputSplits;
    o["fixed"] = c.fixed;
    o["own_seconds"] = c.ownCost;
    o["compute_seconds"] = c.computeCost;
    o["communication_seconds"] = c.communicationCost;
    if (c.nextBestTotal != passes::kInfeasible) {
      o["next_best"] = c.nextBest.inputSplits;
      o["next_best_total_seconds"] = c.nextBestTotal;
    }
    j["ops"].push_back(o);
  }
  return j.dump(2) + "\n";
}

}  // namespace shardc::tools
