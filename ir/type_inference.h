// What each op kind computes, as types: the result types of an op from its operands' types and attributes.
// The verifier, the shape-inference pass and the interpreter all use it, so the rule for each kind lives once.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace shardc::ir {

// Result types of `op` given its operands' types. Throws ir::Error saying what does not fit (operand count,
// incompatible shapes or dtypes, a bad attribute); callers that know the graph prefix the op's description.
// Dynamic dims propagate where the rule allows; rules that need static dims to decide (Reshape) require them.
std::vector<TensorType> inferResultTypes(const Op& op, std::span<const TensorType> operands);

// The same, reading operand types from g; errors are prefixed with describeOp(g, op).
std::vector<TensorType> inferResultTypes(const Graph& g, const Op& op);

// "node 'fc1' (MatMul)", or "MatMul producing %x" when the node has no name: how messages name an op.
std::string describeOp(const Graph& g, const Op& op);

}  // namespace shardc::ir
