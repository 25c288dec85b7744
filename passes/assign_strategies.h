// assign-strategies: puts each strategy of a strategy file on the op it names, as attributes the later passes
// read (`strategy`: the splits of all inputs, flattened; `strategy_ranks`: how many entries each input has).
//
// Keys name ops the way MindSpore saves them, `<Primitive>_<first parameter>` (MatMul_layer1.weight: the MatMul
// that consumes parameter layer1.weight), or by node name, or by a glob over node names (shardc's files).
#pragma once

#include <optional>
#include <string>

#include "ir/graph.h"
#include "ir/strategy.h"

namespace shardc::passes {

// Throws ir::Error naming the entry when it matches no op (or, for a parameter's layout, no parameter) of the model.
void assignStrategies(ir::Graph& g, const ir::StrategyMap& strategies);

// The key MindSpore would save op's strategy under: <Primitive>_<first parameter it reads>, or the node's name
// for an op that reads no parameter.
std::string strategyKey(const ir::Graph& g, const ir::Op& op);

// The strategy assigned to op, if any.
std::optional<ir::OpStrategy> assignedStrategy(const ir::Op& op);
void setAssignedStrategy(ir::Op& op, const ir::OpStrategy& s);

}  // namespace shardc::passes
