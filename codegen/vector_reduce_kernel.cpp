// f32 ReduceSum / ReduceMean / ReduceMax / ReduceMin over trailing dims (a global average pool, a row sum): each
// kept index's contiguous block a vector at a time, the last one masked. Sums accumulate in double vectors, as
// the scalar loop does in one double, so the result differs from it only by the order of double additions;
// max and min keep the scalar loop's rule (a NaN wins and stays).
#include <algorithm>

#include "codegen/kernels.h"

namespace shardc::codegen {

bool emitVectorReduce(LoopBuilder& lb, const KernelArgs& a) {
  const ir::TensorType& in = a.graph.value(a.op.operands[0]).type;
  ir::OpKind kind = a.op.kind;
  if (in.dtype != ir::DType::f32 || kind == ir::OpKind::ReduceProd) return false;
  const ir::Shape& s = in.shape;
  std::vector<int64_t> axes = a.op.attrs.getInts("axes");
  for (auto& ax : axes)
    if (ax < 0) ax += int64_t(s.rank());
  if (axes.empty())
    for (size_t d = 0; d < s.rank(); ++d) axes.push_back(int64_t(d));
  std::sort(axes.begin(), axes.end());
  axes.erase(std::unique(axes.begin(), axes.end()), axes.end());
  // The reduced axes must be the last ones.
  for (size_t i = 0; i < axes.size(); ++i)
    if (axes[i] != int64_t(s.rank() - axes.size() + i)) return false;
  int64_t inner = 1;
  for (int64_t ax : axes) inner *= s.dims[size_t(ax)];
  int64_t outer = s.numElements() / std::max<int64_t>(inner, 1);
  if (inner == 0) return false;
  int64_t divisor = a.op.attrs.getInt("divisor", inner);
  bool isMax = kind == ir::OpKind::ReduceMax, isMin = kind == ir::OpKind::ReduceMin, extreme = isMax || isMin;
  llvm::IRBuilder<>& b = lb.builder();
  int64_t lanes = lb.vectorBits() / 32;
  llvm::Type* f32 = b.getFloatTy();
  auto* vec = llvm::FixedVectorType::get(f32, unsigned(lanes));
  auto* dvec = llvm::FixedVectorType::get(b.getDoubleTy(), unsigned(lanes));
  auto splatF = [&](llvm::Constant* c) { return llvm::ConstantVector::getSplat(llvm::ElementCount::getFixed(unsigned(lanes)), c); };
  llvm::Constant* identity = extreme ? llvm::ConstantFP::getInfinity(f32, isMax) : llvm::ConstantFP::get(f32, 0.0);
  llvm::Type* accTy = extreme ? static_cast<llvm::Type*>(vec) : dvec;
  llvm::Value* start = extreme ? splatF(identity) : llvm::Constant::getNullValue(dvec);
  llvm::AllocaInst* acc = lb.slot(accTy);
  auto better = [&](llvm::Value* x, llvm::Value* cur) {
    return b.CreateOr(isMax ? b.CreateFCmpOGT(x, cur) : b.CreateFCmpOLT(x, cur), b.CreateFCmpUNO(x, x));
  };
  auto combine = [&](llvm::Value* cur, llvm::Value* x) -> llvm::Value* {
    if (extreme) return b.CreateSelect(better(x, cur), x, cur);
    return b.CreateFAdd(cur, b.CreateFPExt(x, dvec));
  };
  // Kept indices are the threads' work items.
  auto items = s.numElements() >= (1 << 14) ? &LoopBuilder::parallelItems : &LoopBuilder::loop;
  (lb.*items)(outer, [&](llvm::Value* o) {
    llvm::Value* row = b.CreateInBoundsGEP(f32, a.operands[0], b.CreateMul(o, lb.i64(inner)));
    b.CreateStore(start, acc);
    lb.loop(inner / lanes, [&](llvm::Value* v) {
      llvm::Value* x = b.CreateAlignedLoad(vec, b.CreateInBoundsGEP(f32, row, b.CreateMul(v, lb.i64(lanes))), llvm::Align(4));
      b.CreateStore(combine(b.CreateLoad(accTy, acc), x), acc);
    });
    if (int64_t rest = inner % lanes) {
      std::vector<llvm::Constant*> on;
      for (int64_t t = 0; t < lanes; ++t) on.push_back(b.getInt1(t < rest));
      llvm::Value* x = b.CreateMaskedLoad(vec, b.CreateInBoundsGEP(f32, row, lb.i64(inner - rest)), llvm::Align(4),
                                          llvm::ConstantVector::get(on), splatF(identity));
      b.CreateStore(combine(b.CreateLoad(accTy, acc), x), acc);
    }
    // Across the lanes, in lane order.
    llvm::Value* lanesAcc = b.CreateLoad(accTy, acc);
    llvm::Value* r;
    if (extreme) {
      r = b.CreateExtractElement(lanesAcc, uint64_t(0));
      for (int64_t t = 1; t < lanes; ++t) {
        llvm::Value* x = b.CreateExtractElement(lanesAcc, uint64_t(t));
        r = b.CreateSelect(better(x, r), x, r);
      }
    } else {
      r = b.CreateExtractElement(lanesAcc, uint64_t(0));
      for (int64_t t = 1; t < lanes; ++t) r = b.CreateFAdd(r, b.CreateExtractElement(lanesAcc, uint64_t(t)));
      if (kind == ir::OpKind::ReduceMean && divisor > 0) r = b.CreateFDiv(r, llvm::ConstantFP::get(b.getDoubleTy(), double(divisor)));
      r = b.CreateFPTrunc(r, f32);
    }
    b.CreateStore(r, b.CreateInBoundsGEP(f32, a.results[0], o));
  });
  return true;
}

}  // namespace shardc::codegen
