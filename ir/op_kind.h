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
  Not,   // bool only
  Expand,  // attr shape: the result is the operand numpy-broadcast with `shape` (ONNX Expand)
  Cast,  // attr to: the result's element type name. Float to integer truncates toward zero, saturating (NaN gives
         // 0); to bool is x != 0; integer to integer wraps
  // Elementwise, two operands with numpy broadcasting.
  Add,
  Sub,
  Mul,
  Div,
  Pow,  // floats only
  Max,  // NaN wins, as numpy's maximum
  Min,
  Equal,  // comparisons: operands of one type, a bool result; any comparison with NaN is false
  Less,
  Greater,
  LessOrEqual,
  GreaterOrEqual,
  And,  // bool only
  Or,
  Xor,
  // Elementwise, three operands with numpy broadcasting.
  Where,  // Where(cond: bool, x, y): x where cond, else y
  // Linear algebra.
  MatMul,  // numpy matmul: batch dims broadcast, 1-D operands promoted and squeezed
  Gemm,    // attrs alpha, beta, transA, transB; operands A, B[, C]; lowered by canonicalize
  ConvTranspose,  // X [N, C, D...], W [C, M/group, K...], optional B [M]; attrs as Conv and output_padding
  Conv,    // X [N, C, D...], W [M, C/group, K...], optional B [M]; attrs strides, pads, dilations (ir/window.h),
           // group. In a rank program whose C is split, the result is a partial sum (bias on one rank only)
  // Pools over the spatial dims of X [N, C, D...]: attrs kernel_shape, strides, pads, dilations, ceil_mode.
  MaxPool,
  AveragePool,  // attr count_include_pad: divide by the window's extent within the padded input, not the real one
  // Data movement.
  Transpose,  // attr perm
  Reshape,    // attr shape: the final static shape (no 0 / -1)
  Flatten,    // attr axis; lowered to Reshape by canonicalize
  Concat,     // attr axis (negative counts from the end)
  Slice,      // attrs starts, ends, steps: one entry per dim, clamped as ONNX does (non-negative starts; an end
              // of -1 with a negative step runs to the front)
  Gather,     // attr axis: data[..., indices[j...], ...] (ONNX Gather; negative indices count from the end). In a
              // rank program whose data is split along axis, attr shard_axes names the mesh axes: each rank looks
              // up the indices in its block and gives zeros for the others (a partial sum)
  // Normalisation and reductions.
  Softmax,     // attr axis (negative counts from the end): softmax along that one axis
  ReduceSum,   // attrs axes (negative count from the end; empty = all), keepdims
  ReduceMean,  // same; in a rank program, attr divisor (the global count) when the reduced dims are split
  ReduceMax,   // same attrs as ReduceSum; NaN wins, an empty reduction gives the type's lowest value (-inf)
  ReduceMin,   // same; an empty reduction gives the type's highest value (+inf)
  ReduceProd,  // same attrs; an empty product is 1. No sharding rule: its dims are reduced whole
  ArgMax,      // attrs axis, keepdims, select_last_index: i64 indices of the first (or last) extreme; NaN wins
  ArgMin,
  TopK,        // attrs axis, k, largest, sorted, output ("values" or "indices": one op per ONNX output); ties go to
               // the lower index
  GatherElements,  // attr axis: out[i] = data[i with i[axis] = indices[i]] (indices' shape)
  Pad,             // attrs pads (begins then ends, negative crops), mode (constant, reflect, edge, wrap), value
  // Collectives of a rank program, over the group of ranks along mesh axes `axes` (attr, ints) of
  // `group_size` (attr) ranks. They exist only after partitioning; the interpreter does not run them.
  AllReduce,      // attr reduce: "sum" (default), "max" or "min" over the group; shape unchanged
  AllGather,      // attr dim: the members' blocks concatenated along dim, in group order
  ReduceScatter,  // attr dim: sum over the group, each member keeping its part of dim
  AllToAll,       // attrs dim, to_dim: gathered along dim, each member keeping its part of to_dim
  ShardSlice,     // attr dim: no traffic; each rank keeps its part of dim (its coordinate along axes)
};

enum class OpCategory { Unary, Binary, Ternary, Other };

std::string_view opKindName(OpKind k);
std::optional<OpKind> parseOpKind(std::string_view name);
// Equal, Less, Greater, LessOrEqual, GreaterOrEqual: binary ops with a bool result.
bool isComparison(OpKind k);
// Not, And, Or, Xor: ops on bools.
bool isLogical(OpKind k);
OpCategory opCategory(OpKind k);
// Elementwise ops whose f32 form code generation computes a vector at a time (arithmetic, Relu, Sigmoid, Exp,
// Sqrt, ...; not Tanh or Erf, which call the math library per element): a GEMM can apply them as it stores.
bool hasVectorForm(OpKind k);

}  // namespace shardc::ir
