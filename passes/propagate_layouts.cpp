// propagate-layouts.
#include <algorithm>

#include "ir/error.h"
#include "ir/type_inference.h"
#include "passes/assign_strategies.h"
#include "passes/broadcast_layout.h"
#include "passes/parallel_plan.h"
#include "passes/reshape_layout.h"
#include "passes/sharding_rules.h"

namespace shardc::passes {

ParallelPlan propagateLayouts(const ir::Graph& g, int64_t devices, const ir::DeviceMesh& mesh, bool localInputs) {
  const auto& ops = g.ops();
  std::vector<std::optional<ShardingDecision>> decisions(ops.size());
  std::vector<ir::DeviceMesh> arrangements;
  if (mesh.rank() > 0) arrangements.push_back(mesh);
  for (size_t i = 0; i < ops.size(); ++i)
    if (auto s = assignedStrategy(ops[i])) {
      decisions[i] = applyShardingRule(g, ops[i], *s, devices);
      arrangements.push_back(decisions[i]->deviceMatrix);
    }
  ParallelPlan plan;
  plan.mesh = ir::refineMesh(devices, arrangements);
  const ir::DeviceMesh& M = plan.mesh;
  plan.layouts.assign(g.numValues(), std::nullopt);
  plan.required.resize(ops.size());
  for (ir::ValueId v : g.inputs()) {
    // Local inputs are batch shards, as MindSpore's datasets without full_batch give them: dim 0 over every rank
    // when it divides, whole otherwise.
    const ir::Shape& s = g.value(v).type.shape;
    ir::TensorLayout l = ir::TensorLayout::replicated(s, M);
    if (localInputs && s.rank() > 0 && s.dims[0] % M.numRanks() == 0)
      for (size_t a = 0; a < M.rank(); ++a)
        if (M.shape[a] > 1) l.dimAxes[0].push_back(int(a));
    plan.layouts[size_t(v)] = l;
  }
  auto layoutOf = [&](ir::ValueId v) {
    if (!plan.layouts[size_t(v)]) return ir::TensorLayout::replicated(g.value(v).type.shape, M);
    return *plan.layouts[size_t(v)];
  };
  auto whole = [&](ir::ValueId v) { return ir::TensorLayout::replicated(g.value(v).type.shape, M); };

  for (size_t i = 0; i < ops.size(); ++i) {
    const ir::Op& op = ops[i];
    const ir::Shape& outShape = g.value(op.results[0]).type.shape;
    std::vector<ir::TensorLayout> req;
    ir::TensorLayout out = ir::TensorLayout::replicated(outShape, M);
    if (decisions[i]) {
      for (const auto& l : decisions[i]->inputs) req.push_back(ir::onMesh(l, M));
      out = ir::onMesh(decisions[i]->output, M);
    } else if (ir::opCategory(op.kind) != ir::OpCategory::Other) {
      // Follow the operand that has the result's shape; partial sums are added first.
      size_t lead = 0;
      for (size_t k = 0; k < op.operands.size(); ++k)
        if (g.value(op.operands[k]).type.shape == outShape) {
          lead = k;
          break;
        }
      ir::TensorLayout base = withoutPartial(layoutOf(op.operands[lead]));
      if (base.shape == outShape) out = base;
      for (ir::ValueId v : op.operands) req.push_back(projectTo(out, g.value(v).type.shape));
    } else if (op.kind == ir::OpKind::MatMul) {
      // No strategy: data parallel on the rows of A when they divide over every rank.
      const ir::Shape& a = g.value(op.operands[0]).type.shape;
      ir::TensorLayout la = whole(op.operands[0]);
      size_t rowDim = a.rank() >= 2 ? a.rank() - 2 : 0;
      if (a.rank() >= 2 && a.dims[rowDim] % M.numRanks() == 0) {
        for (size_t m = 0; m < M.rank(); ++m) la.dimAxes[rowDim].push_back(int(m));
        out.dimAxes[outShape.rank() - 2] = la.dimAxes[rowDim];
      }
      req = {la, whole(op.operands[1])};
    } else if (isReduction(op.kind) &&
               (op.kind != ir::OpKind::ReduceMean || ir::isFloat(g.value(op.operands[0]).type.dtype))) {
      // Reduce where the data lies: a split reduced dim becomes a partial sum (or a max across ranks) instead of a
      // gather of the input.
      ir::TensorLayout in = withoutPartial(layoutOf(op.operands[0]));
      req = {in};
      out = reducedLayout(op, in, outShape);
    } else if (op.kind == ir::OpKind::Softmax) {
      // Softmax follows its producer, its axis included: a split axis costs two all-reduces of one element per
      // line (lower-split-reductions) where gathering it would move the whole tensor.
      ir::TensorLayout in = withoutPartial(layoutOf(op.operands[0]));
      req = {in};
      out = in;
    } else if (op.kind == ir::OpKind::Transpose) {
      // Each split moves with its dim: no traffic.
      ir::TensorLayout in = withoutPartial(layoutOf(op.operands[0]));
      req = {in};
      out = transposedLayout(op, in, outShape);
    } else if (op.kind == ir::OpKind::Concat) {
      // The first operand's splits on the other dims; the axis gathered where it was split.
      auto [ins, o] = concatLayouts(g, op, withoutPartial(layoutOf(op.operands[0])));
      req = ins;
      out = o;
    } else if (op.kind == ir::OpKind::Conv || op.kind == ir::OpKind::MaxPool || op.kind == ir::OpKind::AveragePool) {
      // The batch split (and, for pools, the channel split) of the input carries over; spatial dims are gathered.
      ir::TensorLayout in = whole(op.operands[0]);
      ir::TensorLayout produced = withoutPartial(layoutOf(op.operands[0]));
      in.dimAxes[0] = produced.dimAxes[0];
      out.dimAxes[0] = produced.dimAxes[0];
      if (op.kind != ir::OpKind::Conv) {
        in.dimAxes[1] = produced.dimAxes[1];
        out.dimAxes[1] = produced.dimAxes[1];
      }
      req = {in};
      for (size_t k = 1; k < op.operands.size(); ++k) req.push_back(whole(op.operands[k]));
    } else if (op.kind == ir::OpKind::Slice || op.kind == ir::OpKind::Pad) {
      // Dims taken whole keep their split; sliced or padded ones are gathered.
      ir::TensorLayout in = withoutPartial(layoutOf(op.operands[0]));
      std::vector<bool> whole = untouchedDims(op, in.shape);
      for (size_t d = 0; d < in.shape.rank(); ++d) {
        if (!whole[d]) in.dimAxes[d].clear();
        out.dimAxes[d] = in.dimAxes[d];
      }
      req = {in};
    } else if (op.kind == ir::OpKind::ArgMax || op.kind == ir::OpKind::ArgMin || op.kind == ir::OpKind::TopK) {
      // Whole lines along the axis; the other dims keep their split.
      auto [in, o] = alongAxisLayouts(op, withoutPartial(layoutOf(op.operands[0])), outShape);
      req = {in};
      out = o;
    } else if (op.kind == ir::OpKind::Reshape) {
      // Splits pass through when the split dim survives as the outer dim of its group; others are gathered.
      ReshapeLayouts r = reshapeLayouts(withoutPartial(layoutOf(op.operands[0])), outShape);
      req = {r.input};
      out = r.output;
    } else {
      for (ir::ValueId v : op.operands) req.push_back(whole(v));
    }
    // Parameters are stored as their first consumer needs them.
    for (size_t k = 0; k < op.operands.size(); ++k) {
      ir::ValueId v = op.operands[k];
      if (g.value(v).role == ir::ValueRole::Param && !plan.layouts[size_t(v)]) plan.layouts[size_t(v)] = req[k];
    }
    plan.required[i] = req;
    plan.layouts[size_t(op.results[0])] = out;
  }
  return plan;
}

}  // namespace shardc::passes
