// partition: the global graph, with its collectives in place, becomes the program every rank runs.
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
    if (op.kind == ir::OpKind::Reshape) op.attrs.set("shape", localType(op.results[0]).shape.dims);
    ir::TensorType t = ir::inferResultTypes(g, op)[0];
    ir::TensorType expected = localType(op.results[0]);
    if (!(t == expected))
      ir::fail("internal error: partition: {} gives {}, its layout {}", ir::describeOp(g, op), t.str(), expected.str());
    g.value(op.results[0]).type = t;
  }
}

}  // namespace shardc::passes
