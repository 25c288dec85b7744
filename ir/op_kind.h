// The closed set of operations the ir knows. Names follow ONNX's so the text IR reads like the model, but the
// semantics are fixed per kind (the importer normalises every opset to them).
#pragma once

#include <optional>
#include <string_view>

namespace shardc::ir {

enum class OpKind {
  // Elementwise, one operand.
  Identity,
  Neg,
  Relu,
  Sigmoid,
  Tanh,
  Exp,
  Sqrt,
  Abs,
  Log,
  Reciprocal,
  Erf,
  Floor,
  Ceil,
  // Elementwise, two operands with numpy broadcasting.
  Add,
  Sub,
  Mul,
  Div,
  Pow,  // floats only
  Max,  // NaN wins, as numpy's maximum
  Min,
  // Linear algebra.
  MatMul,  // numpy matmul: batch dims broadcast, 1-D operands promoted and squeezed
  Gemm,    // attrs alpha, beta, transA, transB; operands A, B[, C]; lowered by canonicalize
  // Data movement.
  Transpose,  // attr perm
  Reshape,    // attr shape: the final static shape (no 0 / -1)
  Flatten,    // attr axis; lowered to Reshape by canonicalize
  Concat,     // attr axis (negative counts from the end)
  // Normalisation and reductions.
  Softmax,     // attr axis (negative counts from the end): softmax along that one axis
  ReduceSum,   // attrs axes (negative count from the end; empty = all), keepdims
  ReduceMean,  // same; in a rank program, attr divisor (the global count) when the reduced dims are split
  ReduceMax,   // same attrs as ReduceSum; NaN wins, an empty reduction gives the type's lowest value (-inf)
  ReduceMin,   // same; an empty reduction gives the type's highest value (+inf)
  // Collectives of a rank program, over the group of ranks along mesh axes `axes` (attr, ints) of
  // `group_size` (attr) ranks. They exist only after partitioning; the interpreter does not run them.
  AllReduce,      // attr reduce: "sum" (default), "max" or "min" over the group; shape unchanged
  AllGather,      // attr dim: the members' blocks concatenated along dim, in group order
  ReduceScatter,  // attr dim: sum over the group, each member keeping its part of dim
  AllToAll,       // attrs dim, to_dim: gathered along dim, each member keeping its part of to_dim
  ShardSlice,     // attr dim: no traffic; each rank keeps its part of dim (its coordinate along axes)
};

enum class OpCategory { Unary, Binary, Other };

std::string_view opKindName(OpKind k);
std::optional<OpKind> parseOpKind(std::string_view name);
OpCategory opCategory(OpKind k);

}  // namespace shardc::ir
