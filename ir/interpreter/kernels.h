// The interpreter's per-op kernels: plain loops over whole tensors, float math in double.
#pragma once

#include <vector>

#include "ir/graph.h"

namespace shardc::ir::interp {

// Each computes op's result from its operands; `result` arrives allocated (zero-filled) with the type that type
// inference gives, which has also checked operand counts, shapes, dtypes and attribute ranges.

// Identity, Neg, Relu, Sigmoid, Tanh, Exp, Sqrt; Add, Sub, Mul, Div with numpy broadcasting.
void elementwise(const Op& op, const std::vector<const Tensor*>& in, Tensor& result);
// Equal, Less, Greater, LessOrEqual, GreaterOrEqual (broadcasting, bool result).
void compare(const Op& op, const std::vector<const Tensor*>& in, Tensor& result);
// Not, And, Or, Xor.
void logical(const Op& op, const std::vector<const Tensor*>& in, Tensor& result);
void where(const Op& op, const std::vector<const Tensor*>& in, Tensor& result);
void cast(const Op& op, const std::vector<const Tensor*>& in, Tensor& result);
// numpy matmul; Gemm.
void matmul(const Op& op, const std::vector<const Tensor*>& in, Tensor& result);
void gemm(const Op& op, const std::vector<const Tensor*>& in, Tensor& result);
// Identity, Reshape and Flatten: the bytes unchanged.
void copyBytes(const Op& op, const std::vector<const Tensor*>& in, Tensor& result);
void transpose(const Op& op, const std::vector<const Tensor*>& in, Tensor& result);
void concat(const Op& op, const std::vector<const Tensor*>& in, Tensor& result);
void expand(const Op& op, const std::vector<const Tensor*>& in, Tensor& result);
void slice(const Op& op, const std::vector<const Tensor*>& in, Tensor& result);
void gather(const Op& op, const std::vector<const Tensor*>& in, Tensor& result);
void conv(const Op& op, const std::vector<const Tensor*>& in, Tensor& result);
void convTranspose(const Op& op, const std::vector<const Tensor*>& in, Tensor& result);
// ArgMax, ArgMin.
void argExtreme(const Op& op, const std::vector<const Tensor*>& in, Tensor& result);
void topK(const Op& op, const std::vector<const Tensor*>& in, Tensor& result);
void gatherElements(const Op& op, const std::vector<const Tensor*>& in, Tensor& result);
void pad(const Op& op, const std::vector<const Tensor*>& in, Tensor& result);
// MaxPool, AveragePool.
void pool(const Op& op, const std::vector<const Tensor*>& in, Tensor& result);
void softmax(const Op& op, const std::vector<const Tensor*>& in, Tensor& result);
// ReduceSum, ReduceMean, ReduceProd.
void reduce(const Op& op, const std::vector<const Tensor*>& in, Tensor& result);
// ReduceMax, ReduceMin.
void reduceExtreme(const Op& op, const std::vector<const Tensor*>& in, Tensor& result);

}  // namespace shardc::ir::interp
