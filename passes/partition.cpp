// partition: the global graph, with its collectives in place, becomes the program every rank runs.
#include <algorithm>

#include "ir/error.h"
#include "ir/type_inference.h"
#include "passes/parallel_plan.h"

namespace shardc::passes {

void partition(ir::Graph& g, const ParallelPlan& plan) {
  auto localType = [&](ir::ValueId v) {
    ir::TensorType t = g.value(v).type;
    if (plan.layouts[size_t(v)]) t.shape = plan.layouts[size_t(v)]->localShape();
    return t;
  };
  for (ir::ValueId v : g.inputs()) g.value(v).type = localType(v);
  for (ir::ValueId p : g.params()) {
    // The slices are cut per rank when the weights are written; the program knows only their type.
    g.value(p).type = localType(p);
    g.value(p).data = nullptr;
  }
  for (ir::Op& op : g.ops()) {
    if (op.kind == ir::OpKind::Reshape || op.kind == ir::OpKind::Expand)
      op.attrs.set("shape", localType(op.results[0]).shape.dims);
    if (op.kind == ir::OpKind::Gather && plan.layouts[size_t(op.operands[0])]) {
      // Data split along the gathered axis: each rank looks up its own rows (codegen needs the mesh axes).
      const ir::TensorLayout& data = *plan.layouts[size_t(op.operands[0])];
      const auto& axes = data.dimAxes[size_t(op.attrs.getInt("axis", 0))];
      if (!axes.empty()) op.attrs.set("shard_axes", std::vector<int64_t>(axes.begin(), axes.end()));
    }
    if (op.kind == ir::OpKind::Slice && plan.layouts[size_t(op.operands[0])]) {
      // Split dims are not sliced (the rule keeps them whole otherwise): each rank takes all of its block.
      const ir::TensorLayout& in = *plan.layouts[size_t(op.operands[0])];
      std::vector<int64_t> ends = op.attrs.getInts("ends");
      ir::Shape local = in.localShape();
      for (size_t d = 0; d < ends.size(); ++d)
        if (in.splitFactor(d) > 1) ends[d] = local.dims[d];
      op.attrs.set("ends", ends);
    }
    if (op.kind == ir::OpKind::ReduceMean && plan.layouts[size_t(op.operands[0])]) {
      // Each rank averages its part of a split reduced dim; dividing by the global count makes the parts' partial
      // sums add up to the mean.
      const ir::TensorLayout& in = *plan.layouts[size_t(op.operands[0])];
      std::vector<int64_t> axes = op.attrs.getInts("axes");
      int64_t count = 1;
      bool split = false;
      for (size_t d = 0; d < in.shape.rank(); ++d)
        if (axes.empty() || std::find(axes.begin(), axes.end(), int64_t(d)) != axes.end()) {
          count *= in.shape.dims[d];
          split = split || in.splitFactor(d) > 1;
        }
      if (split) op.attrs.set("divisor", count);
    }
    ir::TensorType t = ir::inferResultTypes(g, op)[0];
    ir::TensorType expected = localType(op.results[0]);
    if (!(t == expected))
      ir::fail("internal error: partition: {} gives {}, its layout {}", ir::describeOp(g, op), t.str(), expected.str());
    g.value(op.results[0]).type = t;
    // What each rank sends in a collective (ring algorithms), for reading plans and checking measurements.
    int64_t n = op.attrs.getInt("group_size", 1);
    const ir::TensorType& in = g.value(op.operands[0]).type;
    int64_t bytes = in.shape.numElements() * static_cast<int64_t>(ir::dtypeSize(in.dtype));
    switch (op.kind) {
      case ir::OpKind::AllReduce: op.attrs.set("bytes", 2 * (n - 1) * bytes / n); break;
      case ir::OpKind::AllGather: op.attrs.set("bytes", (n - 1) * bytes); break;
      case ir::OpKind::ReduceScatter:
      case ir::OpKind::AllToAll: op.attrs.set("bytes", (n - 1) * bytes / n); break;
      default: break;
    }
  }
}

}  // namespace shardc::passes
