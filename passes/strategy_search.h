// search-strategies: chooses a strategy for every op that decides a split (MatMul, Conv, Gather) and has none,
// from a cost model; the other ops follow their producers as propagate-layouts has them. Each deciding op is a
// node of a CostGraph whose candidates are every way of laying the job's ranks over its dims that divides evenly
// (repeated calculation included); its own cost is the local compute (flops at the peak rate plus bytes at the
// memory bandwidth) of it and of the ops that follow it; an edge between two deciding ops costs the
// redistributions (the planner's alpha-beta costs) where a value laid out by one is needed by the other.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "ir/strategy.h"
#include "passes/cost_graph.h"
#include "passes/op_cost.h"
#include "passes/redistribution.h"

namespace shardc::passes {

struct SearchOptions {
  int64_t devices = 1;
  SearchAlgorithm algorithm = SearchAlgorithm::Auto;
  MachineModel machine;
  int64_t memoryLimit = 0;  // bytes per rank (parameters and peak activations); 0 = none
  bool reuseRepeatedBlocks = true;  // price a repeated layer's ops once (off: every op priced, for comparison)
};

struct OpChoice {
  std::string op;             // describeOp
  std::string key;            // the strategy key written
  ir::OpStrategy chosen;
  double ownCost = 0;         // seconds: its compute and the redistributions it alone causes
  double computeCost = 0;     // seconds: its local work and its followers'
  double communicationCost = 0;  // seconds: the redistributions into and out of it (shared with its neighbours)
  bool fixed = false;         // given by the user or the training strategy
  ir::OpStrategy nextBest;    // the runner-up with the others' picks unchanged
  double nextBestTotal = 0;   // the whole graph's cost with it
};

struct SearchResult {
  ir::StrategyMap strategies;  // the chosen strategies of the ops that had none
  double totalCost = 0;        // seconds under the cost model
  std::vector<OpChoice> choices;
  size_t nodes = 0, edges = 0;
  double searchSpace = 0;
  size_t blocks = 0, blockClasses = 0;  // segments between single-value cuts, and distinct kinds among them
  size_t repeatedOps = 0;               // ops priced by repeating an identical block's costs
  int64_t paramBytesPerRank = 0;       // every parameter's share, as the chosen strategies slice them
  int64_t activationBytesPerRank = 0;  // peak: the largest working set of one op
};

// The ops carrying a strategy attribute (assign-strategies) keep it. Throws ir::Error when no strategy fits the
// memory limit, saying the least per-rank memory any strategy needs.
SearchResult searchStrategies(const ir::Graph& g, const SearchOptions& options);

// Every complete strategy whose estimated cost is within `withinRatio` of the best, cheapest first (for checking
// the cost model against measurements). Throws ir::Error when there are more than `limit` to go through.
struct RankedStrategy {
  ir::StrategyMap strategies;
  double estimatedCost = 0;
  int64_t memoryBytes = 0;  // per rank: parameters and peak activations
};
std::vector<RankedStrategy> enumerateStrategies(const ir::Graph& g, const SearchOptions& options, double withinRatio,
                                                double limit = 1e6);

// The ops the search decides.
bool decidesSplit(ir::OpKind kind);

}  // namespace shardc::passes
