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

// A vector of output positions (flat indices into the output's spatial block, one per lane): where each lane's
// window starts in the input (per spatial dim, i32, negative inside the leading padding) and which lanes are
// positions at all (the last vector may run past the end).
struct WindowStarts {
  std::vector<llvm::Value*> start;
  llvm::Value* valid;
};

inline llvm::Value* splatI32(llvm::IRBuilder<>& b, int64_t lanes, int64_t v) {
  return b.CreateVectorSplat(unsigned(lanes), b.getInt32(uint32_t(int32_t(v))));
}

inline WindowStarts windowStarts(LoopBuilder& lb, const ir::Window& w, const std::vector<int64_t>& outDims,
                                 llvm::Value* firstPosition, int64_t lanes) {
  llvm::IRBuilder<>& b = lb.builder();
  std::vector<llvm::Constant*> ids;
  for (int64_t l = 0; l < lanes; ++l) ids.push_back(b.getInt32(uint32_t(l)));
  llvm::Value* pos = b.CreateAdd(b.CreateVectorSplat(unsigned(lanes), b.CreateTrunc(firstPosition, b.getInt32Ty())),
                                 llvm::ConstantVector::get(ids));
  int64_t positions = 1;
  for (int64_t d : outDims) positions *= d;
  WindowStarts s{std::vector<llvm::Value*>(outDims.size()), b.CreateICmpULT(pos, splatI32(b, lanes, positions))};
  for (size_t d = outDims.size(); d-- > 0;) {
    llvm::Value* o = b.CreateURem(pos, splatI32(b, lanes, outDims[d]));
    pos = b.CreateUDiv(pos, splatI32(b, lanes, outDims[d]));
    s.start[d] = b.CreateSub(b.CreateMul(o, splatI32(b, lanes, w.strides[d])), splatI32(b, lanes, w.padBegin[d]));
  }
  return s;
}

// Window element k (per dim, already times the dilation, i32 scalars) of every lane: its offset in the input's
// spatial block and whether it is inside the input (and a valid lane); `padded`, whether it is inside the padded
// input, when asked for.
struct VectorWindowIndex {
  llvm::Value *offset, *inside, *padded;
};

inline VectorWindowIndex vectorWindowIndex(LoopBuilder& lb, const ir::Window& w, const std::vector<int64_t>& inDims,
                                           const WindowStarts& s, const std::vector<llvm::Value*>& k, int64_t lanes) {
  llvm::IRBuilder<>& b = lb.builder();
  VectorWindowIndex r{splatI32(b, lanes, 0), s.valid, s.valid};
  for (size_t d = 0; d < inDims.size(); ++d) {
    llvm::Value* at = b.CreateAdd(s.start[d], b.CreateVectorSplat(unsigned(lanes), k[d]));
    r.inside = b.CreateAnd(r.inside, b.CreateICmpULT(at, splatI32(b, lanes, inDims[d])));  // negative wraps
    r.padded = b.CreateAnd(r.padded, b.CreateICmpSLT(at, splatI32(b, lanes, inDims[d] + w.padEnd[d])));
    r.offset = b.CreateAdd(b.CreateMul(r.offset, splatI32(b, lanes, inDims[d])), at);
  }
  return r;
}

// Window element k of the last spatial dim for the output positions [first, first + lanes) along it, read from
// one input row: consecutive outputs read every stride-th input, so one load of lanes x stride elements (masked
// where it leaves the row or the outputs end) and a shuffle. Lanes outside the row hold `fill`. `inside` and
// `padded` say, per lane, whether its element is in the row and in the padded row (static: the lanes' positions
// along the last dim are known).
struct RowWindow {
  llvm::Value* value;
  std::vector<bool> inside, padded;
};

inline RowWindow rowWindow(LoopBuilder& lb, const ir::Window& w, int64_t inLast, int64_t outLast, llvm::Value* row,
                           int64_t first, int64_t k, int64_t lanes, llvm::Constant* fill) {
  llvm::IRBuilder<>& b = lb.builder();
  int64_t stride = w.strides.back();
  int64_t start = first * stride + k * w.dilations.back() - w.padBegin.back();
  int64_t span = lanes * stride;
  RowWindow r{nullptr, std::vector<bool>(size_t(lanes)), std::vector<bool>(size_t(lanes))};
  std::vector<llvm::Constant*> on;
  bool any = false, all = true;
  for (int64_t e = 0; e < span; ++e) {
    // Elements between the strided ones are loaded too when in the row: a plain load beats a masked one.
    bool load = start + e >= 0 && start + e < inLast && first + e / stride < outLast;
    on.push_back(b.getInt1(load));
    all = all && load;
    if (e % stride) continue;
    r.inside[size_t(e / stride)] = load;
    r.padded[size_t(e / stride)] = first + e / stride < outLast && start + e < inLast + w.padEnd.back();
    any = any || load;
  }
  if (!any) {
    r.value = llvm::ConstantVector::getSplat(llvm::ElementCount::getFixed(unsigned(lanes)), fill);
    return r;
  }
  auto* wide = llvm::FixedVectorType::get(b.getFloatTy(), unsigned(span));
  llvm::Value* ptr = b.CreateGEP(b.getFloatTy(), row, lb.i64(start));
  llvm::Value* fillWide = llvm::ConstantVector::getSplat(llvm::ElementCount::getFixed(unsigned(span)), fill);
  r.value = all ? static_cast<llvm::Value*>(b.CreateAlignedLoad(wide, ptr, llvm::Align(4)))
                : b.CreateMaskedLoad(wide, ptr, llvm::Align(4), llvm::ConstantVector::get(on), fillWide);
  if (stride > 1) {
    std::vector<int> pick;
    for (int64_t t = 0; t < lanes; ++t) pick.push_back(int(t * stride));
    r.value = b.CreateShuffleVector(r.value, pick);
  }
  return r;
}

// The spatial dims of an N, C, D... shape, and the elements of a block of such dims.
inline std::vector<int64_t> spatial(const ir::Shape& s) { return std::vector<int64_t>(s.dims.begin() + 2, s.dims.end()); }
inline int64_t product(const std::vector<int64_t>& v) {
  int64_t p = 1;
  for (int64_t x : v) p *= x;
  return p;
}

}  // namespace shardc::codegen
