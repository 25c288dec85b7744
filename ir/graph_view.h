// Graph algorithms over the ir through Boost.Graph: one vertex per op, an edge per operand use.
#pragma once

#include <vector>

#include "ir/graph.h"

namespace shardc::ir {

// Ops in an order where every op follows the producers of its operands; among ready ops the earliest in the
// current order goes first, so an ordered graph keeps its order. Throws ir::Error naming an op on a cycle.
std::vector<OpId> topologicalOrder(const Graph& g);
// Reorders g.ops() by topologicalOrder.
void sortOpsTopologically(Graph& g);

}  // namespace shardc::ir
