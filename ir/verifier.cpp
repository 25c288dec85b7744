#include "ir/verifier.h"

#include "ir/error.h"
#include "ir/type_inference.h"

namespace shardc::ir {

void verifyGraph(const Graph& g) {
  std::vector<bool> defined(g.numValues(), false);
  for (ValueId v : g.inputs()) defined[size_t(v)] = true;
  for (ValueId p : g.params()) {
    const Value& v = g.value(p);
    if (v.data && !(v.data->type() == v.type))
      fail("parameter '{}' is declared {} but holds {}", v.name, v.type.str(), v.data->type().str());
    defined[size_t(p)] = true;
  }
  for (const Op& op : g.ops()) {
    for (ValueId v : op.operands) {
      if (v < 0 || size_t(v) >= g.numValues()) fail("{}: operand {} does not exist", describeOp(g, op), v);
      if (!defined[size_t(v)]) fail("{}: operand %{} is used before it is defined", describeOp(g, op), g.value(v).name);
    }
    bool dynamic = false;
    for (ValueId v : op.operands) dynamic = dynamic || !g.value(v).type.shape.isStatic();
    std::vector<TensorType> expected = inferResultTypes(g, op);
    if (expected.size() != op.results.size())
      fail("{}: has {} result(s), its kind gives {}", describeOp(g, op), op.results.size(), expected.size());
    for (size_t i = 0; i < op.results.size(); ++i) {
      ValueId r = op.results[i];
      if (defined[size_t(r)]) fail("{}: value %{} is defined twice", describeOp(g, op), g.value(r).name);
      defined[size_t(r)] = true;
      if (!dynamic && !(g.value(r).type == expected[i]))
        fail("{}: result %{} has type {}, inferred {}", describeOp(g, op), g.value(r).name, g.value(r).type.str(),
             expected[i].str());
    }
  }
  if (g.outputs().empty()) fail("graph '{}' has no outputs", g.name);
  for (ValueId v : g.outputs())
    if (!defined[size_t(v)]) fail("output %{} is never defined", g.value(v).name);
}

}  // namespace shardc::ir
