// Structural and type checks of a graph: every operand defined before use, names unique, outputs defined,
// parameters have data of their declared type, and every op's result types agree with inferResultTypes.
#pragma once

#include "ir/graph.h"

namespace shardc::ir {

// Throws ir::Error describing the first problem found (naming the op or value).
void verifyGraph(const Graph& g);

}  // namespace shardc::ir
