// Executes a redistribution plan on simulated ranks in memory: the check that every plan is exact.
#pragma once

#include <cstdint>
#include <vector>

#include "passes/redistribution.h"

namespace shardc::passes {

// One rank's local block, row-major doubles.
struct LocalBlock {
  ir::Shape shape;
  std::vector<double> values;
};

// The global tensor's blocks under `layout`. Ranks along partial axes get addends that sum to the block: the
// first of each partial group the block minus the others, the others `seed`-derived integers, so sums are exact.
std::vector<LocalBlock> distribute(const std::vector<double>& global, const ir::TensorLayout& layout, uint32_t seed);

// Applies each step to every rank's block (collectives over the step's groups) and returns the blocks after.
std::vector<LocalBlock> simulate(const RedistPlan& plan, const ir::TensorLayout& from, std::vector<LocalBlock> blocks);

// The sub-block `box` of a row-major block of shape `shape`.
std::vector<double> extractBox(const std::vector<double>& values, const ir::Shape& shape, const ir::Box& box);

}  // namespace shardc::passes
