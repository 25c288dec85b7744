// The sharding rule of each op kind, in one table: given the op's strategy (MindSpore's notation: per input, the
// number of parts of each dim) and the device count, the layouts its inputs must have, the layout of its result
// (with the partial sums a split reduction leaves) and the op's device matrix, as MindSpore derives them:
// MatMul A[..., i, k] x B[..., k, j] with strategies (.., si, sk), (.., sk, sj) has device matrix
// [batch.., si, sk, sj]; a split k leaves the result partial along the sk device dim; when the strategy uses
// fewer devices than the job, the repeat factor becomes the rightmost device dim (repeated calculation).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "ir/graph.h"
#include "ir/strategy.h"
#include "ir/tensor_layout.h"

namespace shardc::passes {

struct ShardingDecision {
  ir::DeviceMesh deviceMatrix;             // the op's device arrangement of the job's ranks (row-major)
  std::vector<ir::TensorLayout> inputs;    // the layout each operand must have
  ir::TensorLayout output;                 // the result's layout (partialAxes: sums still to be added)
};

// Throws ir::Error naming the op, the input, the dim and the numbers when the strategy does not fit: wrong number
// of inputs or dims, a split that does not divide its dim, inputs that disagree on a shared dim, more devices than
// the job has, or a device count the job's does not divide. ir::Unsupported for an op kind with no rule yet.
ShardingDecision applyShardingRule(const ir::Graph& g, const ir::Op& op, const ir::OpStrategy& strategy,
                                   int64_t devices);

// A reduction's result layout from its input's: kept dims keep their split. For ReduceSum and ReduceMean the mesh
// axes of reduced dims hold partial sums (to be added across ranks by whoever needs the whole value); a ReduceMax
// or ReduceMin is completed across those axes right away (lower-split-reductions), so they replicate.
ir::TensorLayout reducedLayout(const ir::Op& op, const ir::TensorLayout& in, const ir::Shape& resultShape);

// Transpose moves each dim's split with the dim (perm, or reversed dims without one).
ir::TensorLayout transposedLayout(const ir::Op& op, const ir::TensorLayout& in, const ir::Shape& resultShape);
// Concat needs its axis whole on every operand; the other dims keep `lead`'s splits. Returns the layout each
// operand must have (in operand order) and the result's.
std::pair<std::vector<ir::TensorLayout>, ir::TensorLayout> concatLayouts(const ir::Graph& g, const ir::Op& op,
                                                                         const ir::TensorLayout& lead);

// Slice and Pad: per dim of the input, whether the op takes it whole (not sliced, not padded). Only those may stay
// split.
std::vector<bool> untouchedDims(const ir::Op& op, const ir::Shape& in);

// ArgMax, ArgMin, TopK: the input as they need it (`in` with the axis whole) and the result's layout (the other
// dims keep their split; without keepdims the axis is dropped).
std::pair<ir::TensorLayout, ir::TensorLayout> alongAxisLayouts(const ir::Op& op, ir::TensorLayout in,
                                                              const ir::Shape& resultShape);

// ReduceSum, ReduceMean, ReduceMax, ReduceMin.
bool isReduction(ir::OpKind kind);

// Does this op kind have a rule?
bool hasShardingRule(ir::OpKind kind);

}  // namespace shardc::passes
