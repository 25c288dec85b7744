// Softmax along one axis, viewed as [outer, n, inner]: max, sum of exponentials, scale; three passes per row.
#include <llvm/IR/Intrinsics.h>

#include "codegen/kernels.h"

namespace shardc::codegen {

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
