// The cost model's price of one op's local work, shared by the strategy search (per candidate split) and the
// stage cut (whole ops): flops at the machine's peak plus every byte read and written at memory speed.
#pragma once

#include <vector>

#include "ir/graph.h"
#include "passes/redistribution.h"

namespace shardc::passes {

struct MachineModel {
  double peakFlops = 185e9;  // the generated GEMM's measured rate on this machine (shardc calibrate, README)
  // alpha, bandwidth between ranks, memory bandwidth: `shardc calibrate` here gives 4-10 us, 3.8-4.4 GB/s for a
  // 2-rank all-reduce, 25-45 GB/s.
  CommCostModel comm{5e-6, 4e9, 40e9};
  // A MatMul whose local right operand is larger than the core's cache streams it again, from the shared last-level
  // cache, for every block of matmulRowBlock rows of the left one (the generated GEMM's tile of rows). The
  // re-reads' rate was fitted to the demo MLP's measured latencies (benchmarks/search_ranking.sh).
  double cacheBytes = 1 << 20;    // per core (L2)
  double cacheBandwidth = 80e9;   // bytes per second re-read from the last-level cache
  int64_t matmulRowBlock = 8;
};

// Seconds `op` takes on operands and a result of these (local) shapes.
double opComputeSeconds(const ir::Graph& g, const ir::Op& op, const std::vector<ir::Shape>& operands,
                        const ir::Shape& result, const MachineModel& machine);

// The same on the op's own (global) shapes.
double opComputeSeconds(const ir::Graph& g, const ir::Op& op, const MachineModel& machine);

}  // namespace shardc::passes
