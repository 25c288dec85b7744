// Window arithmetic shared by the convolution and pooling kernels: where window element k of output position
// `out` reads the input, and the sizes of spatial blocks.
#pragma once

#include <vector>

#include "codegen/loop_builder.h"
#include "ir/shape.h"
#include "ir/window.h"

namespace shardc::codegen {

struct WindowIndex {
  llvm::Value* offset;   // the input element's offset within its [D...] block (0 when outside)
  llvm::Value* inside;   // i1: the position is inside the input
  llvm::Value* padded;   // i1: the position is inside the padded input
};

// The input position of window element `k` of output position `out`.
inline WindowIndex windowIndex(LoopBuilder& lb, const ir::Window& w, const std::vector<int64_t>& dims,
                               const std::vector<llvm::Value*>& out, const std::vector<llvm::Value*>& k) {
  llvm::IRBuilder<>& b = lb.builder();
  llvm::Value* offset = lb.i64(0);
  llvm::Value* inside = b.getTrue();
  llvm::Value* padded = b.getTrue();
  for (size_t d = 0; d < dims.size(); ++d) {
    llvm::Value* p = b.CreateAdd(b.CreateSub(b.CreateMul(out[d], lb.i64(w.strides[d])), lb.i64(w.padBegin[d])),
                                 b.CreateMul(k[d], lb.i64(w.dilations[d])));
    inside = b.CreateAnd(inside, b.CreateAnd(b.CreateICmpSGE(p, lb.i64(0)), b.CreateICmpSLT(p, lb.i64(dims[d]))));
    padded = b.CreateAnd(padded, b.CreateICmpSLT(p, lb.i64(dims[d] + w.padEnd[d])));
    offset = b.CreateAdd(b.CreateMul(offset, lb.i64(dims[d])), p);
  }
  return {b.CreateSelect(inside, offset, lb.i64(0)), inside, padded};
}

// The spatial dims of an N, C, D... shape, and the elements of a block of such dims.
inline std::vector<int64_t> spatial(const ir::Shape& s) { return std::vector<int64_t>(s.dims.begin() + 2, s.dims.end()); }
inline int64_t product(const std::vector<int64_t>& v) {
  int64_t p = 1;
  for (int64_t x : v) p *= x;
  return p;
}

}  // namespace shardc::codegen
