// cut-stages: gives every op a pipeline stage (attribute `stage`). Stages the strategy gave (assign-strategies put
// them on the ops) are kept and the other ops follow their producers; without any, the graph is cut into S
// contiguous runs of the program order by dynamic programming: the slowest stage (its ops' time under the cost
// model plus sending what crosses its end) is as fast as possible, each stage's parameters within the memory limit.
#pragma once

#include <cstdint>
#include <vector>

#include "ir/graph.h"
#include "passes/op_cost.h"

namespace shardc::passes {

struct StageCutOptions {
  int64_t stages = 0;      // 0: as many as the strategy's stages say
  int64_t stageRanks = 1;  // ranks per stage: the work is divided among them
  MachineModel machine;
  int64_t memoryLimit = 0;  // parameter bytes per rank (a stage's split evenly over its ranks); 0: none
};

struct StageCut {
  int64_t stages = 1;
  bool fromStrategy = false;           // the strategy gave the stages
  std::vector<double> seconds;         // per stage: its ops' estimated time, per rank
  std::vector<int64_t> paramBytes;     // per stage: the parameters it uses
  std::vector<int64_t> sentBytes;      // per stage: what it sends to later stages
};

// Throws ir::Error for a stage count below 1 or above the number of ops, an op whose strategy puts it before a
// stage it reads from, stages in the strategy beyond options.stages, or no cut that fits the memory limit.
StageCut cutStages(ir::Graph& g, const StageCutOptions& options);

// The stage attribute of an op (0 when it has none).
int64_t stageOf(const ir::Op& op);

}  // namespace shardc::passes
