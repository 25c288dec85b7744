// ReduceSum / ReduceMean: a loop over the kept dims, an inner loop nest over the reduced ones into an
// accumulator (double for floats, as the reference does, so results agree to the last bits that matter).
#include <algorithm>

#include "codegen/kernels.h"

namespace shardc::codegen {

void emitReduce(LoopBuilder& lb, const KernelArgs& a) {
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
  llvm::Type* accTy = fp ? b.getDoubleTy() : b.getInt64Ty();
  llvm::AllocaInst* acc = lb.slot(accTy);
  ir::Shape kept(keptDims);
  std::vector<int64_t> outStrides = kept.strides();
  lb.loopNest(keptDims, [&](const std::vector<llvm::Value*>& kivs) {
    llvm::Value* base = lb.linearIndex(kivs, keptStrides);
    b.CreateStore(fp ? llvm::ConstantFP::get(accTy, 0.0) : llvm::ConstantInt::get(accTy, 0), acc);
    lb.loopNest(redDims, [&](const std::vector<llvm::Value*>& rivs) {
      llvm::Value* x = lb.load(t, a.operands[0], b.CreateAdd(base, lb.linearIndex(rivs, redStrides)));
      // IRBuilder's casts return x itself when the types already match (f64, i64).
      llvm::Value* wide = fp ? b.CreateFPExt(x, accTy)
                             : (ir::isSignedInt(t) ? b.CreateSExt(x, accTy) : b.CreateZExt(x, accTy));
      llvm::Value* cur = b.CreateLoad(accTy, acc);
      b.CreateStore(fp ? b.CreateFAdd(cur, wide) : b.CreateAdd(cur, wide), acc);
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
