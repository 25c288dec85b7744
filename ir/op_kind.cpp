#include "ir/op_kind.h"


namespace shardc::ir {
namespace {
struct OpKindInfo {
  OpKind kind;
  std::string_view name;
  OpCategory category;
};
constexpr OpKindInfo kOps[] = {
    {OpKind::Identity, "Identity", OpCategory::Unary},
    {OpKind::Neg, "Neg", OpCategory::Unary},
    {OpKind::Relu, "Relu", OpCategory::Unary},
    {OpKind::Sigmoid, "Sigmoid", OpCategory::Unary},
    {OpKind::Tanh, "Tanh", OpCategory::Unary},
    {OpKind::Exp, "Exp", OpCategory::Unary},
    {OpKind::Sqrt, "Sqrt", OpCategory::Unary},
    {OpKind::Abs, "Abs", OpCategory::Unary},
    {OpKind::Log, "Log", OpCategory::Unary},
    {OpKind::Reciprocal, "Reciprocal", OpCategory::Unary},
    {OpKind::Erf, "Erf", OpCategory::Unary},
    {OpKind::Floor, "Floor", OpCategory::Unary},
    {OpKind::Ceil, "Ceil", OpCategory::Unary},
    {OpKind::Not, "Not", OpCategory::Unary},
    {OpKind::Expand, "Expand", OpCategory::Unary},
    {OpKind::Cast, "Cast", OpCategory::Unary},
    {OpKind::Add, "Add", OpCategory::Binary},
    {OpKind::Sub, "Sub", OpCategory::Binary},
    {OpKind::Mul, "Mul", OpCategory::Binary},
    {OpKind::Div, "Div", OpCategory::Binary},
    {OpKind::Pow, "Pow", OpCategory::Binary},
    {OpKind::Max, "Max", OpCategory::Binary},
    {OpKind::Min, "Min", OpCategory::Binary},
    {OpKind::Equal, "Equal", OpCategory::Binary},
    {OpKind::Less, "Less", OpCategory::Binary},
    {OpKind::Greater, "Greater", OpCategory::Binary},
    {OpKind::LessOrEqual, "LessOrEqual", OpCategory::Binary},
    {OpKind::GreaterOrEqual, "GreaterOrEqual", OpCategory::Binary},
    {OpKind::And, "And", OpCategory::Binary},
    {OpKind::Or, "Or", OpCategory::Binary},
    {OpKind::Xor, "Xor", OpCategory::Binary},
    {OpKind::Where, "Where", OpCategory::Ternary},
    {OpKind::MatMul, "MatMul", OpCategory::Other},
    {OpKind::Gemm, "Gemm", OpCategory::Other},
    {OpKind::Conv, "Conv", OpCategory::Other},
    {OpKind::MaxPool, "MaxPool", OpCategory::Other},
    {OpKind::AveragePool, "AveragePool", OpCategory::Other},
    {OpKind::Transpose, "Transpose", OpCategory::Other},
    {OpKind::Reshape, "Reshape", OpCategory::Other},
    {OpKind::Flatten, "Flatten", OpCategory::Other},
    {OpKind::Concat, "Concat", OpCategory::Other},
    {OpKind::Slice, "Slice", OpCategory::Other},
    {OpKind::Gather, "Gather", OpCategory::Other},
    {OpKind::Softmax, "Softmax", OpCategory::Other},
    {OpKind::ReduceSum, "ReduceSum", OpCategory::Other},
    {OpKind::ReduceMean, "ReduceMean", OpCategory::Other},
    {OpKind::ReduceMax, "ReduceMax", OpCategory::Other},
    {OpKind::ReduceMin, "ReduceMin", OpCategory::Other},
    {OpKind::ReduceProd, "ReduceProd", OpCategory::Other},
    {OpKind::ArgMax, "ArgMax", OpCategory::Other},
    {OpKind::ArgMin, "ArgMin", OpCategory::Other},
    {OpKind::TopK, "TopK", OpCategory::Other},
    {OpKind::GatherElements, "GatherElements", OpCategory::Other},
    {OpKind::Pad, "Pad", OpCategory::Other},
    {OpKind::ConvTranspose, "ConvTranspose", OpCategory::Other},
    {OpKind::AllReduce, "AllReduce", OpCategory::Other},
    {OpKind::AllGather, "AllGather", OpCategory::Other},
    {OpKind::ReduceScatter, "ReduceScatter", OpCategory::Other},
    {OpKind::AllToAll, "AllToAll", OpCategory::Other},
    {OpKind::ShardSlice, "ShardSlice", OpCategory::Other},
};
}  // namespace

std::string_view opKindName(OpKind k) {
  for (const auto& o : kOps)
    if (o.kind == k) return o.name;
  return "?";
}

std::optional<OpKind> parseOpKind(std::string_view name) {
  for (const auto& o : kOps)
    if (o.name == name) return o.kind;
  return std::nullopt;
}

bool isComparison(OpKind k) {
  return k == OpKind::Equal || k == OpKind::Less || k == OpKind::Greater || k == OpKind::LessOrEqual ||
         k == OpKind::GreaterOrEqual;
}

bool isLogical(OpKind k) { return k == OpKind::Not || k == OpKind::And || k == OpKind::Or || k == OpKind::Xor; }

bool hasVectorForm(OpKind k) {
  switch (k) {
    case OpKind::Add: case OpKind::Sub: case OpKind::Mul: case OpKind::Div: case OpKind::Max: case OpKind::Min:
    case OpKind::Relu: case OpKind::Neg: case OpKind::Abs: case OpKind::Sqrt: case OpKind::Exp:
    case OpKind::Sigmoid: case OpKind::Tanh: case OpKind::Erf: case OpKind::Reciprocal: case OpKind::Identity:
      return true;
    default: return false;
  }
}

OpCategory opCategory(OpKind k) {
  for (const auto& o : kOps)
    if (o.kind == k) return o.category;
  return OpCategory::Other;
}

}  // namespace shardc::ir
