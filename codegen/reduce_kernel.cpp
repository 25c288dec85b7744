// ReduceSum / ReduceMean / ReduceMax / ReduceMin: a loop over the kept dims, an inner loop nest over the reduced
// ones into an accumulator (double for floats, as the reference does, so results agree to the last bits that
// matter; i64 for integers, sign- or zero-extended so comparisons keep the element type's order). f32 reductions
// over trailing dims go a vector at a time (vector_reduce_kernel.cpp).
#include <algorithm>

#include "codegen/kernels.h"

namespace shardc::codegen {

void emitReduce(LoopBuilder& lb, const KernelArgs& a) {
  if (emitVectorReduce(lb, a)) return;
  llvm::IRBuilder<>& b = lb.builder();
  const ir::TensorType& in = a.graph.value(a.op.operands[0]).type;
  ir::DType t = in.dtype;
  const ir::Shape& s = in.shape;
  std::vector<int64_t> axes = a.op.attrs.getInts("axes");
  for (auto& ax : axes)
    if (ax < 0) ax += static_cast<int64_t>(s.rank());
  std::vector<int64_t> keptDims, keptStrides, redDims, redStrides;
  std::vector<int64_t> strides = s.strides();
  int64_t count = 1;
  for (size_t d = 0; d < s.rank(); ++d) {
    bool reduced = axes.empty() || std::find(axes.begin(), axes.end(), static_cast<int64_t>(d)) != axes.end();
    (reduced ? redDims : keptDims).push_back(s.dims[d]);
    (reduced ? redStrides : keptStrides).push_back(strides[d]);
    if (reduced) count *= s.dims[d];
  }
  // A rank program's ReduceMean over its part of a split dim divides by the whole dim's count.
  count = a.op.attrs.getInt("divisor", count);
  bool fp = ir::isFloat(t);
  bool mean = a.op.kind == ir::OpKind::ReduceMean;
  bool isMax = a.op.kind == ir::OpKind::ReduceMax, isMin = a.op.kind == ir::OpKind::ReduceMin;
  bool isSigned = ir::isSignedInt(t);
  llvm::Type* accTy = fp ? b.getDoubleTy() : b.getInt64Ty();
  // The reduction's identity: an empty max is -inf (the type's lowest), an empty min +inf (its highest).
  bool isProd = a.op.kind == ir::OpKind::ReduceProd;
  llvm::Value* identity = fp ? llvm::ConstantFP::get(accTy, isProd ? 1.0 : 0.0) : llvm::ConstantInt::get(accTy, isProd ? 1 : 0);
  if (isMax || isMin) {
    unsigned bits = static_cast<unsigned>(ir::dtypeSize(t) * 8);
    if (fp)
      identity = llvm::ConstantFP::getInfinity(accTy, isMax);
    else if (t == ir::DType::boolean)
      identity = llvm::ConstantInt::get(accTy, isMax ? 0 : 1);
    else if (isSigned)
      identity = llvm::ConstantInt::get(accTy, (isMax ? llvm::APInt::getSignedMinValue(bits)
                                                      : llvm::APInt::getSignedMaxValue(bits)).sext(64));
    else
      identity = llvm::ConstantInt::get(accTy, isMax ? llvm::APInt(64, 0) : llvm::APInt::getMaxValue(bits).zext(64));
  }
  auto combine = [&](llvm::Value* cur, llvm::Value* x) -> llvm::Value* {
    if (isProd) return fp ? b.CreateFMul(cur, x) : b.CreateMul(cur, x);
    if (!isMax && !isMin) return fp ? b.CreateFAdd(cur, x) : b.CreateAdd(cur, x);
    llvm::Value* better;
    if (fp)  // unordered compare: a NaN element wins, and once the accumulator is NaN nothing replaces it
      better = b.CreateOr(isMax ? b.CreateFCmpOGT(x, cur) : b.CreateFCmpOLT(x, cur), b.CreateFCmpUNO(x, x));
    else if (isSigned)
      better = isMax ? b.CreateICmpSGT(x, cur) : b.CreateICmpSLT(x, cur);
    else
      better = isMax ? b.CreateICmpUGT(x, cur) : b.CreateICmpULT(x, cur);
    return b.CreateSelect(better, x, cur);
  };
  llvm::AllocaInst* acc = lb.slot(accTy);
  ir::Shape kept(keptDims);
  std::vector<int64_t> outStrides = kept.strides();
  lb.loopNest(keptDims, [&](const std::vector<llvm::Value*>& kivs) {
    llvm::Value* base = lb.linearIndex(kivs, keptStrides);
    b.CreateStore(identity, acc);
    lb.loopNest(redDims, [&](const std::vector<llvm::Value*>& rivs) {
      llvm::Value* x = lb.load(t, a.operands[0], b.CreateAdd(base, lb.linearIndex(rivs, redStrides)));
      // IRBuilder's casts return x itself when the types already match (f64, i64).
      llvm::Value* wide = fp ? b.CreateFPExt(x, accTy) : (isSigned ? b.CreateSExt(x, accTy) : b.CreateZExt(x, accTy));
      b.CreateStore(combine(b.CreateLoad(accTy, acc), wide), acc);
    });
    llvm::Value* r = b.CreateLoad(accTy, acc);
    if (mean && count > 0)
      r = fp ? b.CreateFDiv(r, llvm::ConstantFP::get(accTy, static_cast<double>(count)))
             : (ir::isSignedInt(t) ? b.CreateSDiv(r, llvm::ConstantInt::get(accTy, count))
                                   : b.CreateUDiv(r, llvm::ConstantInt::get(accTy, count)));
    llvm::Type* et = lb.elementType(t);
    llvm::Value* narrow = fp ? (t == ir::DType::f64 ? r : b.CreateFPTrunc(r, et))
                             : (et == accTy ? r : b.CreateTrunc(r, et));
    lb.store(t, narrow, a.results[0], lb.linearIndex(kivs, outStrides));
  });
}

}  // namespace shardc::codegen
