// What the parallel passes decide, beside the graph: the job's mesh, the layout every value is produced or stored
// in, and the layout each op needs of each operand. propagate-layouts fills it, insert-redistribution reconciles
// the two with collectives, partition turns the graph into the per-rank program.
#pragma once

#include <optional>
#include <vector>

#include "ir/graph.h"
#include "ir/strategy.h"
#include "ir/tensor_layout.h"

namespace shardc::passes {

struct ParallelPlan {
  ir::DeviceMesh mesh;                                   // refined: every op's device arrangement is a coarsening
  std::vector<std::optional<ir::TensorLayout>> layouts;  // per value id
  std::vector<std::vector<ir::TensorLayout>> required;   // per op index, per operand
};


// propagate-layouts: ops with a strategy take their sharding rule's layouts; the others follow their producers
// where their rule allows (elementwise ops, a Reshape of a tensor split on dim 0), MatMul without a strategy is
// data parallel, and everything else works on whole tensors. Inputs arrive whole on every rank; parameters are
// stored as their first consumer needs them; outputs leave whole.
// `mesh`, when given, is one more arrangement the job's mesh must refine (the user's --mesh). With `localInputs`,
// each rank is given its batch shard of every input (dim 0 split over all ranks when it divides; --local-inputs);
// otherwise every rank reads the whole input (MindSpore's full_batch).
ParallelPlan propagateLayouts(const ir::Graph& g, int64_t devices, const ir::DeviceMesh& mesh = {},
                              bool localInputs = false);

// lower-split-reductions: a ReduceMax / ReduceMin over split dims reduces locally, then all-reduces (max / min)
// across the ranks splitting them; a Softmax over a split axis becomes max, exp, sum with both reductions across
// ranks. Runs between propagate-layouts and insert-redistribution.
void lowerSplitReductions(ir::Graph& g, ParallelPlan& plan);

// insert-redistribution: where a value's layout is not what its consumer (or a graph output) needs, inserts the
// cheapest chain of collectives; afterwards every operand has the layout its op requires.
void insertRedistribution(ir::Graph& g, ParallelPlan& plan);

// partition: every type becomes the rank-local one, Reshape targets too; checks each result against its layout.
void partition(ir::Graph& g, const ParallelPlan& plan);

}  // namespace shardc::passes
