// Softmax along one axis, viewed as [outer, n, inner]: max, sum of exponentials, scale; three passes per row. An
// f32 softmax over the last axis (inner = 1) goes a vector at a time, exp by vector_math.h, rows shared among the
// threads.
#include <llvm/IR/Intrinsics.h>

#include "codegen/kernels.h"
#include "codegen/vector_math.h"

namespace shardc::codegen {
namespace {

void emitRowSoftmax(LoopBuilder& lb, const KernelArgs& a, int64_t rows, int64_t n) {
  llvm::IRBuilder<>& b = lb.builder();
  int64_t lanes = lb.vectorBits() / 32, rest = n % lanes;
  llvm::Type* f32 = b.getFloatTy();
  auto* vec = llvm::FixedVectorType::get(f32, unsigned(lanes));
  auto splat = [&](llvm::Value* v) { return b.CreateVectorSplat(unsigned(lanes), v); };
  llvm::Value* negInf = splat(llvm::ConstantFP::getInfinity(f32, true));
  std::vector<llvm::Constant*> bits;
  for (int64_t l = 0; l < lanes; ++l) bits.push_back(b.getInt1(l < rest));
  llvm::Value* tailMask = llvm::ConstantVector::get(bits);
  llvm::AllocaInst* acc = lb.slot(vec);
  // Every vector of the row at `at`, then the masked last one: body(pointer, mask or null).
  auto overRow = [&](llvm::Value* row, const std::function<void(llvm::Value*, llvm::Value*)>& body) {
    lb.loop(n / lanes, [&](llvm::Value* v) { body(b.CreateInBoundsGEP(f32, row, b.CreateMul(v, lb.i64(lanes))), nullptr); });
    if (rest) body(b.CreateInBoundsGEP(f32, row, lb.i64(n - rest)), tailMask);
  };
  auto load = [&](llvm::Value* p, llvm::Value* mask, llvm::Value* fill) -> llvm::Value* {
    if (mask) return b.CreateMaskedLoad(vec, p, llvm::Align(4), mask, fill);
    return b.CreateAlignedLoad(vec, p, llvm::Align(4));
  };
  auto store = [&](llvm::Value* v, llvm::Value* p, llvm::Value* mask) {
    if (mask) b.CreateMaskedStore(v, p, llvm::Align(4), mask);
    else b.CreateAlignedStore(v, p, llvm::Align(4));
  };
  auto items = rows * n >= (1 << 14) ? &LoopBuilder::parallelItems : &LoopBuilder::loop;
  (lb.*items)(rows, [&](llvm::Value* r) {
    llvm::Value* in = b.CreateInBoundsGEP(f32, a.operands[0], b.CreateMul(r, lb.i64(n)));
    llvm::Value* out = b.CreateInBoundsGEP(f32, a.results[0], b.CreateMul(r, lb.i64(n)));
    // maxnum, as the scalar loop: a NaN does not win the max (it spreads through the exponentials instead).
    b.CreateStore(negInf, acc);
    overRow(in, [&](llvm::Value* p, llvm::Value* mask) {
      b.CreateStore(b.CreateBinaryIntrinsic(llvm::Intrinsic::maxnum, b.CreateLoad(vec, acc), load(p, mask, negInf)), acc);
    });
    llvm::Value* mx = splat(b.CreateFPMaxReduce(b.CreateLoad(vec, acc)));
    b.CreateStore(llvm::Constant::getNullValue(vec), acc);
    overRow(in, [&](llvm::Value* p, llvm::Value* mask) {
      llvm::Value* e = emitExpF32(b, b.CreateFSub(load(p, mask, negInf), mx));
      if (mask) e = b.CreateSelect(mask, e, llvm::Constant::getNullValue(vec));
      store(e, b.CreateInBoundsGEP(f32, out, b.CreatePtrDiff(f32, p, in)), mask);
      b.CreateStore(b.CreateFAdd(b.CreateLoad(vec, acc), e), acc);
    });
    llvm::Value* inv = splat(b.CreateFDiv(llvm::ConstantFP::get(f32, 1.0),
                                          b.CreateFAddReduce(llvm::ConstantFP::get(f32, 0.0), b.CreateLoad(vec, acc))));
    overRow(out, [&](llvm::Value* p, llvm::Value* mask) { store(b.CreateFMul(load(p, mask, negInf), inv), p, mask); });
  });
}

}  // namespace

void emitSoftmax(LoopBuilder& lb, const KernelArgs& a) {
  llvm::IRBuilder<>& b = lb.builder();
  const ir::TensorType& in = a.graph.value(a.op.operands[0]).type;
  ir::DType t = in.dtype;
  const ir::Shape& s = in.shape;
  int64_t axis = a.op.attrs.getInt("axis", -1);
  if (axis < 0) axis += static_cast<int64_t>(s.rank());
  int64_t outer = 1, n = s.dims[static_cast<size_t>(axis)], inner = 1;
  for (int64_t d = 0; d < static_cast<int64_t>(s.rank()); ++d) {
    if (d < axis) outer *= s.dims[static_cast<size_t>(d)];
    if (d > axis) inner *= s.dims[static_cast<size_t>(d)];
  }
  if (t == ir::DType::f32 && inner == 1 && n > 0) return emitRowSoftmax(lb, a, outer, n);
  llvm::Type* et = lb.elementType(t);
  llvm::AllocaInst* maxSlot = lb.slot(et);
  llvm::AllocaInst* sumSlot = lb.slot(et);
  lb.loop(outer, [&](llvm::Value* o) {
    lb.loop(inner, [&](llvm::Value* r) {
      llvm::Value* base = b.CreateAdd(b.CreateMul(o, lb.i64(n * inner)), r);
      auto at = [&](llvm::Value* j) { return b.CreateAdd(base, b.CreateMul(j, lb.i64(inner))); };
      b.CreateStore(llvm::ConstantFP::getInfinity(et, true), maxSlot);
      lb.loop(n, [&](llvm::Value* j) {
        llvm::Value* x = lb.load(t, a.operands[0], at(j));
        b.CreateStore(b.CreateBinaryIntrinsic(llvm::Intrinsic::maxnum, b.CreateLoad(et, maxSlot), x), maxSlot);
      });
      llvm::Value* mx = b.CreateLoad(et, maxSlot);
      b.CreateStore(lb.constant(t, 0), sumSlot);
      lb.loop(n, [&](llvm::Value* j) {
        llvm::Value* e = b.CreateUnaryIntrinsic(llvm::Intrinsic::exp, b.CreateFSub(lb.load(t, a.operands[0], at(j)), mx));
        lb.store(t, e, a.results[0], at(j));
        b.CreateStore(b.CreateFAdd(b.CreateLoad(et, sumSlot), e), sumSlot);
      });
      llvm::Value* inv = b.CreateFDiv(lb.constant(t, 1), b.CreateLoad(et, sumSlot));
      lb.loop(n, [&](llvm::Value* j) {
        llvm::Value* idx = at(j);
        lb.store(t, b.CreateFMul(lb.load(t, a.results[0], idx), inv), a.results[0], idx);
      });
    });
  });
}

}  // namespace shardc::codegen
