// shape-inference: gives every op result its type, in program order, from the inputs' (static) types.
#include "ir/error.h"
#include "ir/type_inference.h"
#include "passes/pass.h"

namespace shardc::passes {

void runShapeInference(ir::Graph& g) {
  for (const ir::Op& op : g.ops()) {
    std::vector<ir::TensorType> types = ir::inferResultTypes(g, op);
    if (types.size() != op.results.size())
      throw ir::Error(ir::describeOp(g, op) + ": result count does not match its type rule");
    for (size_t i = 0; i < types.size(); ++i) g.value(op.results[i]).type = types[i];
  }
}

}  // namespace shardc::passes
