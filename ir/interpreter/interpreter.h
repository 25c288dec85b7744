// The reference interpreter: runs a global ir::Graph in plain C++, op by op. It is the oracle every compiled
// program is compared with, so it never shares kernel code with codegen/. Float ops accumulate in double.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace shardc::ir {

// Runs g on `inputs` (one per graph input, in order, types exactly the inputs' static types). Returns the graph
// outputs in order. Throws ir::Error naming the input (wrong count, shape or dtype) or the op that failed.
std::vector<Tensor> interpret(const Graph& g, const std::vector<Tensor>& inputs);

// Runs one op on known operands (constant folding at import and in canonicalize). Throws like interpret.
Tensor evaluateOp(const Op& op, const std::vector<const Tensor*>& operands);

}  // namespace shardc::ir
