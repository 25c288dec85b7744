// The interpreter's per-op kernels: plain loops over whole tensors, float math in double.
#pragma once

#include "ir/graph.h"

namespace shardc::ir::interp {

// Computes op's result from its operands; `result` arrives allocated with the inferred type.
void elementwise(const Op& op, const std::vector<const Tensor*>& in, Tensor& result);
void matmul(const Op& op, const std::vector<const Tensor*>& in, Tensor& result);
void gemm(const Op& op, const std::vector<const Tensor*>& in, Tensor& result);
void transpose(const Op& op, const std::vector<const Tensor*>& in, Tensor& result);
void concat(const Op& op, const std::vector<const Tensor*>& in, Tensor& result);
void softmax(const Op& op, const std::vector<const Tensor*>& in, Tensor& result);
void reduce(const Op& op, const std::vector<const Tensor*>& in, Tensor& result);

// For each index of `shape` in row-major order, sum(index[d] * strides[d]): where that element lives in a
// tensor seen through `strides` (0 for broadcast dims, permuted for transposes, 0 for reduced dims).
std::vector<int64_t> stridedOffsets(const Shape& shape, const std::vector<int64_t>& strides);

// For each output element (row-major), the element index of a broadcast operand of shape `s`.
std::vector<int64_t> broadcastIndex(const Shape& s, const Shape& out);

}  // namespace shardc::ir::interp
